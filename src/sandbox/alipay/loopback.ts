import type { FastifyInstance } from 'fastify';
import { Dispatcher, errors } from 'undici';

/**
 * An undici dispatcher that hands HTTP requests to a Fastify instance in-process
 * (`app.inject`): the Alipay SDK's transport when the gateway it calls is this very
 * process's simulator. The SDK still builds, signs, sends and verifies exactly as over a
 * socket; only the socket is skipped, so test mode works whether or not the gateway
 * listens on its public URL (e.g. suites that only `inject`). The headers timeout is
 * honoured like undici's own.
 */
export class InjectDispatcher extends Dispatcher {
  constructor(private readonly app: FastifyInstance) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // urllib's request handler implements undici's callback API (onConnect ... onComplete).
    const h = handler as Required<
      Pick<Dispatcher.DispatchHandler, 'onConnect' | 'onHeaders' | 'onData' | 'onComplete' | 'onError'>
    >;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      h.onError(error);
    };
    h.onConnect((reason) => fail(reason instanceof Error ? reason : new errors.RequestAbortedError()));
    const limit = options.headersTimeout ?? 300_000;
    const timer = setTimeout(() => fail(new errors.HeadersTimeoutError()), limit);
    timer.unref?.();

    void (async () => {
      const response = await this.app.inject({
        method: (options.method ?? 'GET') as 'GET',
        url: options.path,
        headers: flattenHeaders(options.headers),
        payload: await bodyOf(options.body),
      });
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const raw: Buffer[] = [];
      for (const [name, value] of Object.entries(response.headers)) {
        for (const v of Array.isArray(value) ? value : [value]) {
          if (v !== undefined) raw.push(Buffer.from(name), Buffer.from(String(v)));
        }
      }
      h.onHeaders(response.statusCode, raw, () => {}, response.statusMessage);
      h.onData(response.rawPayload);
      h.onComplete([]);
    })().catch((error: Error) => fail(error));
    return true;
  }

  override async close(): Promise<void> {}

  override async destroy(): Promise<void> {}
}

function flattenHeaders(headers: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2)
      out[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
    return out;
  }
  const entries: Iterable<[string, string | string[] | undefined]> =
    Symbol.iterator in headers
      ? (headers as Iterable<[string, string | string[] | undefined]>)
      : Object.entries(headers as Record<string, string | string[] | undefined>);
  for (const [k, v] of entries)
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

async function bodyOf(body: Dispatcher.DispatchOptions['body']): Promise<string | Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
