import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

/**
 * A /mct1 client written from the document alone (sections 2.2 to 2.5), sharing no code
 * with src/: what a POS vendor's SDK does. AES-256-ECB with PKCS5 padding, key = the 32
 * bytes of open_key, ciphertext as hex; sign = md5(sha1(sorted "k=v&..." + open_key)).
 */
export function docEncrypt(json: string, openKey: string): string {
  const c = createCipheriv('aes-256-ecb', Buffer.from(openKey, 'utf8'), null);
  return Buffer.concat([c.update(json, 'utf8'), c.final()]).toString('hex');
}

export function docDecrypt(hex: string, openKey: string): string {
  const d = createDecipheriv('aes-256-ecb', Buffer.from(openKey, 'utf8'), null);
  return Buffer.concat([d.update(Buffer.from(hex, 'hex')), d.final()]).toString('utf8');
}

/** Document 2.4 / 2.5: drop sign, add open_key, sort A-z, join raw k=v with &, sha1 then md5, lower case. */
export function docSign(params: Record<string, unknown>, openKey: string): string {
  const all: Record<string, unknown> = { ...params, open_key: openKey };
  delete all.sign;
  const text = Object.keys(all)
    .sort()
    .map((k) => `${k}=${all[k] === null || all[k] === undefined ? '' : String(all[k])}`)
    .join('&');
  const sha1 = createHash('sha1').update(text, 'utf8').digest('hex');
  return createHash('md5').update(sha1, 'utf8').digest('hex');
}

export interface Mct1Response {
  status: number;
  body: Record<string, any>;
  /** The decrypted `data`, when present. */
  data: any;
  /** Whether `sign` verified by document 2.5 (null when the response has none). */
  signed: boolean | null;
  /** The exact form fields sent, for replays. */
  sent: Record<string, string>;
}

export class Mct1Client {
  constructor(
    readonly base: string,
    readonly openId: string,
    readonly openKey: string,
    /** Unix seconds "now" for requests: the server's (test) clock. */
    readonly now: () => number,
  ) {}

  fields(
    data: unknown,
    options: { timestamp?: number; key?: string; openId?: string } = {},
  ): Record<string, string> {
    const key = options.key ?? this.openKey;
    const fields: Record<string, string> = {
      open_id: options.openId ?? this.openId,
      timestamp: String(options.timestamp ?? this.now()),
      data: docEncrypt(JSON.stringify(data ?? {}), key),
    };
    fields.sign = docSign(fields, key);
    return fields;
  }

  async call(
    path: string,
    data?: unknown,
    options: { timestamp?: number; key?: string; openId?: string } = {},
  ): Promise<Mct1Response> {
    return this.send(path, this.fields(data, options));
  }

  async send(path: string, fields: Record<string, string>): Promise<Mct1Response> {
    const response = await fetch(`${this.base}/mct1/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    return this.read(response, fields);
  }

  async read(response: Response, sent: Record<string, string>): Promise<Mct1Response> {
    const body = (await response.json()) as Record<string, any>;
    const data = typeof body.data === 'string' ? JSON.parse(docDecrypt(body.data, this.openKey)) : undefined;
    const signed = typeof body.sign === 'string' ? docSign(body, this.openKey) === body.sign : null;
    return { status: response.status, body, data, signed, sent };
  }
}
