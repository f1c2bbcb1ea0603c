import { randomInt } from 'node:crypto';

/**
 * Paymax's July-2016 signature scheme, used by every Paymax SDK published since (Java, PHP,
 * Node, Python; FACTS.md "Seen in real clients since"). Both directions sign a newline-joined
 * message with SHA1withRSA, base64 in a `sign` header:
 *
 * request (merchant private key), headers `Authorization`, `nonce`, `timestamp` (ms), `sign`:
 *   post\n/v1/charges\n\n7650d33c9b6f4e8a8025465061937376\n1466404370089\n<secret key>\n{"amount":1,...}
 *   i.e. lowercase method, path from `/v1/` (a `/merchant-api` prefix left out), raw query
 *   without `?`, nonce, timestamp, the Authorization header, raw body (empty for a GET);
 *
 * answer (platform private key): the bare Charge or Refund JSON, headers `nonce`, `timestamp`,
 * `Authorization` (the caller's secret key, echoed: clients compare it) and `sign` over
 *   <nonce>\n<timestamp>\n<secret key>\n<body>
 */

/** A request that carries either header is in this scheme (and must carry both). */
export const SCHEME_HEADERS = ['nonce', 'timestamp'] as const;

/** The signed path and query of a raw request URL, as every SDK computes them. */
export function signedTarget(rawUrl: string): { path: string; query: string } {
  const mark = rawUrl.indexOf('?');
  const pathPart = mark < 0 ? rawUrl : rawUrl.slice(0, mark);
  const query = mark < 0 ? '' : rawUrl.slice(mark + 1);
  // The PHP and Java SDKs cut at the first "/v1/"; the Node SDK drops "/merchant-api": the same here.
  const v1 = pathPart.indexOf('/v1/');
  return { path: v1 < 0 ? pathPart : pathPart.slice(v1), query };
}

export interface RequestMessageParts {
  method: string;
  path: string;
  query: string;
  nonce: string;
  timestamp: string;
  authorization: string;
  body: Buffer;
}

/** The bytes a July-2016 request's `sign` covers. */
export function requestMessage(p: RequestMessageParts): Buffer {
  const head = [p.method.toLowerCase(), p.path, p.query, p.nonce, p.timestamp, p.authorization].join('\n');
  return Buffer.concat([Buffer.from(`${head}\n`, 'utf8'), p.body]);
}

/** The bytes an answer's `sign` covers. */
export function answerMessage(nonce: string, timestamp: string, secretKey: string, body: string): string {
  return `${nonce}\n${timestamp}\n${secretKey}\n${body}`;
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A nonce like the Node SDK's: 32 lowercase letters and digits. */
export function newNonce(): string {
  let nonce = '';
  for (let i = 0; i < 32; i += 1) nonce += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return nonce;
}

/**
 * The PHP SDK reads the answer's raw header lines and takes the first of the substrings
 * `nonce`, `timestamp`, `Authorization`, `sign` (case-sensitive, in that order) that a line
 * contains to decide which value the line holds, cutting the value at a fixed offset
 * (`"nonce: "` is 7 characters). So no answer header line but those four may contain any of
 * the substrings, and the `sign` line itself must not contain one of the first three: a
 * signature that does (about 1 in 3 million) is made again with another nonce.
 */
export const PHP_MARKERS = /nonce|timestamp|Authorization|sign/;
export const SIGN_LINE_CONFUSABLE = /nonce|timestamp|Authorization/;

/** The four answer headers, written with exactly this case (node keeps a name's case as set). */
export const ANSWER_HEADER_NAMES = ['nonce', 'timestamp', 'Authorization', 'sign'] as const;
