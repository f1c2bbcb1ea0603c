import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type ErrorCode, JuheError } from '../domain/errors.js';
import { dialectRefusal } from './framework-errors.js';

/** What node's parser hands over: `rawPacket` is the bytes it had read (a Buffer). */
type ClientError = Error & { code?: string; rawPacket?: unknown };

/**
 * Requests node's HTTP parser refuses before fastify sees them (a control byte in a header,
 * headers over the limit, a request that did not arrive in time) were answered with
 * fastify's own `{"error":"Bad Request","message":"Client Error","statusCode":400}`, a shape
 * no client of any of our APIs parses (#15.13). They are answered here in the shape of the API
 * the request line names, by the same choice as `frameworkErrorHandler` makes for requests
 * refused at routing (`dialectRefusal`), the native shape outside every dialect.
 */
export function clientErrorHandler(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code = catalogCode(error.code);
  const refused = new JuheError(code, undefined);
  const path = requestPath(error.rawPacket);
  const dialect = path
    ? dialectRefusal(path, Object.assign(new Error(refused.message), { statusCode: refused.status }))
    : null;
  let status = refused.status;
  let body = JSON.stringify(refused.toJSON());
  if (dialect) {
    // Paymax maps every client error to 400: the more precise 408 or 431 is kept.
    if (dialect.status !== 400) status = dialect.status;
    body = typeof dialect.body === 'string' ? dialect.body : JSON.stringify(dialect.body);
  }
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json;charset=UTF-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

function catalogCode(parserCode: string | undefined): ErrorCode {
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  if (parserCode === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  return 'invalid_request';
}

/** The path of the request line, if the parser got that far (`GET /v1/charges HTTP/1.1`). */
function requestPath(raw: unknown): string | null {
  if (!Buffer.isBuffer(raw)) return null;
  const line = raw.subarray(0, 2048).toString('latin1').split('\r\n', 1)[0]!;
  const match = /^[A-Z]+ (\/\S*) HTTP\/1\.[01]$/.exec(line);
  return match ? match[1]!.split('?', 1)[0]! : null;
}
