/**
 * Two clients of Paymax's July-2016 signature scheme that do what the published SDKs do
 * (paymax-server-sdk-nodejs `paymax/{headerHelper,sign,httpsHelper}.js` and
 * paymax-server-sdk-php `paymax/util/HttpCurlUtil.php`), written here with node:crypto,
 * node:http and node:net so that the gateway meets their quirks byte for byte:
 *
 * Node SDK: nonce = 32 lowercase alphanumerics, timestamp = `new Date().getTime()`, the signed
 *   path is the request path with "/merchant-api" removed, query always ""; the answer is
 *   verified from node's lowercased `res.headers` (`nonce`, `timestamp`, `authorization`,
 *   `sign`); a missing `sign` throws inside the response handler (the SDK crashes). Its
 *   freshness check `VALID_RESPONSE_TTL + res.headers.timestamp < now` adds a number to a
 *   string and so never fires: kept as written.
 * PHP SDK (curl with CURLOPT_HEADER): header lines written `name:value`, nonce = 32 uppercase
 *   hex, body = PHP's json_encode (slashes and non-ASCII escaped), signed path from the first
 *   "/v1/" of the URL, query after "?"; the answer's raw header block is split on CRLF and each
 *   line tested for "nonce", "timestamp", "Authorization", "sign" (case-sensitive, first match
 *   wins) with the value cut at a fixed offset (7, 11, 15, 6) and trimmed; then the signature,
 *   the echoed secret key and `now - timestamp < 2 minutes` are checked.
 */
import { createSign, createVerify, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface SdkAnswer {
  status: number;
  /** The raw body text. */
  text: string;
  /** The parsed body (bare Charge/Refund, or the error object). */
  json: any;
  /** The response's raw header lines, as on the wire (PHP client only). */
  headerLines?: string[];
}

export interface SdkKeys {
  secretKey: string;
  merchantPrivateKeyPem: string;
  platformPublicKeyPem: string;
}

function rsaSign(message: string | Buffer, privateKeyPem: string): string {
  return createSign('RSA-SHA1').update(message).sign(privateKeyPem, 'base64');
}

function rsaVerify(message: string | Buffer, sign: string, publicKeyPem: string): boolean {
  return createVerify('RSA-SHA1').update(message).verify(publicKeyPem, sign, 'base64');
}

/** The Node SDK's request path and header signing, over node:http (the SDK uses https). */
export class NodeSdkClient {
  constructor(
    readonly host: string,
    readonly port: number,
    /** Conf.BASE_PATH, e.g. "/merchant-api/v1/". */
    readonly basePath: string,
    readonly keys: SdkKeys,
    readonly now: () => number,
  ) {}

  createCharge(data: unknown): Promise<SdkAnswer> {
    return this.post(`${this.basePath}charges`, JSON.stringify(data));
  }

  queryCharge(chargeId: string): Promise<SdkAnswer> {
    return this.get(`${this.basePath}charges/${chargeId}`);
  }

  createRefund(chargeId: string, data: unknown): Promise<SdkAnswer> {
    return this.post(`${this.basePath}charges/${chargeId}/refunds`, JSON.stringify(data));
  }

  queryRefund(chargeId: string, refundId: string): Promise<SdkAnswer> {
    return this.get(`${this.basePath}charges/${chargeId}/refunds/${refundId}`);
  }

  /** headerHelper.getHeader: the header values and the sign over them. */
  header(method: string, path: string, postData: string) {
    const header = {
      Authorization: this.keys.secretKey,
      nonce: randomAlphaNum(32),
      timestamp: this.now(),
      UA: { lang: 'Node.js', publisher: 'Paymax', 'sdk-version': '1.0.0' },
      sign: '',
    };
    const signedPath = path.replace('/merchant-api', '');
    const message = `${method}\n${signedPath}\n\n${header.nonce}\n${header.timestamp}\n${header.Authorization}\n${postData}`;
    header.sign = rsaSign(Buffer.from(message), this.keys.merchantPrivateKeyPem);
    return header;
  }

  post(path: string, postData: string, header = this.header('post', path, postData)): Promise<SdkAnswer> {
    return this.send('POST', path, header, postData);
  }

  get(path: string, header = this.header('get', path, '')): Promise<SdkAnswer> {
    return this.send('GET', path, header, null);
  }

  private send(
    method: string,
    path: string,
    header: ReturnType<NodeSdkClient['header']>,
    postData: string | null,
  ): Promise<SdkAnswer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          hostname: this.host,
          port: this.port,
          path,
          method,
          // (A test may drop a header by setting it undefined.)
          headers: Object.fromEntries(
            Object.entries({
              'Content-Type': 'application/json;charset=utf-8',
              'content-length': postData ? Buffer.byteLength(postData) : 0,
              Authorization: header.Authorization,
              nonce: header.nonce,
              timestamp: header.timestamp,
              sign: header.sign,
              'X-Paymax-Client-User-Agent': JSON.stringify(header.UA),
            }).filter(([, value]) => value !== undefined),
          ),
        },
        (res) => {
          let revData = '';
          res.on('data', (d: Buffer) => (revData += d.toString('utf-8')));
          res.on('end', () => {
            try {
              const status = res.statusCode ?? 0;
              if (status < 400) {
                const h = res.headers as Record<string, any>;
                // Sign.responseSignVerify: throws when there is no sign header at all.
                const message = `${h.nonce}\n${h.timestamp}\n${h.authorization}\n${revData}`;
                if (typeof h.sign !== 'string')
                  throw new TypeError('The "signature" argument must be a string');
                if (!rsaVerify(Buffer.from(message), h.sign, this.keys.platformPublicKeyPem)) {
                  throw new Error('Invalid Response.[Response Data And Sign Verify Failure.]');
                }
                // As written in the SDK (number + string): never true.
                if (2 * 60 * 1000 + h.timestamp < new Date().getTime()) {
                  throw new Error('Invalid Response.[Response Time Is Invalid.]');
                }
              }
              resolve({ status, text: revData, json: JSON.parse(revData) });
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(postData ? Buffer.from(postData) : undefined);
    });
  }
}

/** headerHelper.generateRandomAlphaNum. */
function randomAlphaNum(len: number): string {
  let s = '';
  for (; s.length < len; s += Math.random().toString(36).substr(2));
  return s.substr(0, len);
}

/** PHP's json_encode with default flags: "/" as "\/", every non-ASCII character as \uXXXX. */
export function phpJsonEncode(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class InvalidResponseException extends Error {}

/** The PHP SDK's HttpCurlUtil, over a raw socket (curl with CURLOPT_HEADER returns the header block). */
export class PhpSdkClient {
  /** Whether the last answer began with an interim 100 Continue header block. */
  sawInterim = false;

  constructor(
    readonly host: string,
    readonly port: number,
    /** PaymaxConfig's API base, e.g. "/merchant-api". */
    readonly basePath: string,
    readonly keys: SdkKeys,
    readonly getMicroTime: () => number,
  ) {}

  createCharge(params: Record<string, unknown>): Promise<SdkAnswer> {
    return this.send('POST', `${this.basePath}/v1/charges`, params);
  }

  queryCharge(chargeId: string): Promise<SdkAnswer> {
    return this.send('GET', `${this.basePath}/v1/charges/${chargeId}`);
  }

  createRefund(chargeId: string, params: Record<string, unknown>): Promise<SdkAnswer> {
    return this.send('POST', `${this.basePath}/v1/charges/${chargeId}/refunds`, params);
  }

  queryRefund(chargeId: string, refundId: string): Promise<SdkAnswer> {
    return this.send('GET', `${this.basePath}/v1/charges/${chargeId}/refunds/${refundId}`);
  }

  /** HttpCurlUtil::send, with extra request header lines (e.g. an x-request-id) when asked. */
  async send(
    method: 'GET' | 'POST',
    uri: string,
    vars?: Record<string, unknown>,
    extraLines: string[] = [],
  ): Promise<SdkAnswer> {
    const nonce = randomBytes(16).toString('hex').toUpperCase();
    const timestamp = String(this.getMicroTime());
    const jsonData = method === 'POST' ? phpJsonEncode(vars ?? {}) : '';
    // to_sign_data: from the first "/v1/" (stristr), query after "?".
    const fromV1 = uri.slice(uri.toLowerCase().indexOf('/v1/'));
    const mark = fromV1.indexOf('?');
    const curUri = mark > 0 ? fromV1.slice(0, mark) : fromV1;
    const query = mark > 0 ? fromV1.slice(mark + 1) : '';
    const toSign = `${method.toLowerCase()}\n${curUri}\n${query}\n${nonce}\n${timestamp}\n${this.keys.secretKey}\n${jsonData}`;
    const sign = rsaSign(Buffer.from(toSign, 'utf8'), this.keys.merchantPrivateKeyPem);
    const lines = [
      `${method} ${uri} HTTP/1.1`,
      `Host: ${this.host}:${this.port}`,
      'Accept: */*',
      'Content-Type:application/json; charset=UTF-8',
      `nonce:${nonce}`,
      `timestamp:${timestamp}`,
      `Authorization:${this.keys.secretKey}`,
      `X-Paymax-Client-User-Agent:${JSON.stringify(['lang:PHP', 'publisher:Paymax', 'sdk-version:1.0.0'])}`,
      `sign:${sign}`,
      ...extraLines,
      'Connection: close',
    ];
    if (method === 'POST') {
      lines.push(`Content-Length: ${Buffer.byteLength(jsonData)}`);
      // curl of the SDK's era asks before sending a body over 1024 bytes.
      if (Buffer.byteLength(jsonData) > 1024) lines.push('Expect: 100-continue');
    }
    const data = await rawExchange(this.host, this.port, `${lines.join('\r\n')}\r\n\r\n${jsonData}`);
    // CURLINFO_HEADER_SIZE counts every header block, an interim "100 Continue" one included.
    let split = data.indexOf('\r\n\r\n');
    while (/^HTTP\/1\.1 1\d\d/.test(data.slice(data.lastIndexOf('HTTP/1.1', split), split))) {
      split = data.indexOf('\r\n\r\n', split + 4);
    }
    const resHeader = data.slice(0, split + 4);
    const body = data.slice(split + 4);
    const finalStatus = resHeader.slice(resHeader.lastIndexOf('HTTP/1.1'));
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(finalStatus)?.[1]);
    const headerLines = resHeader.split('\r\n').filter((l) => l !== '');
    this.sawInterim = resHeader.startsWith('HTTP/1.1 100');
    if (status < 400) this.toVerifyData(resHeader, body);
    return { status, text: body, json: JSON.parse(body), headerLines };
  }

  /** HttpCurlUtil::to_verify_data. */
  private toVerifyData(resHeader: string, body: string): void {
    let nonce = '';
    let timestamp = '';
    let secretKey = '';
    let sign = '';
    for (const loop of resHeader.split('\r\n')) {
      if (loop.includes('nonce')) nonce = loop.slice(7).trim();
      else if (loop.includes('timestamp')) timestamp = loop.slice(11).trim();
      else if (loop.includes('Authorization')) secretKey = loop.slice(15).trim();
      else if (loop.includes('sign')) sign = loop.slice(6).trim();
    }
    const toVerify = `${nonce}\n${timestamp}\n${secretKey}\n${body}`;
    if (!sign || !rsaVerify(Buffer.from(toVerify, 'utf8'), sign, this.keys.platformPublicKeyPem)) {
      throw new InvalidResponseException('Invalid Response.[Response Data And Sign Verify Failure.]');
    }
    if (this.keys.secretKey !== secretKey) {
      throw new InvalidResponseException('Invalid Response.[Secret Key Is Invalid.]');
    }
    if (this.getMicroTime() - Number(timestamp) >= 2 * 60 * 1000) {
      throw new InvalidResponseException('Invalid Response.[Response Time Is Invalid.]');
    }
  }
}

/** Sends raw request bytes and reads the whole answer (the server closes: Connection: close). */
export function rawExchange(host: string, port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(Buffer.from(request, 'utf8')));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}
