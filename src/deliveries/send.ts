import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher, request } from 'undici';
import type { OutgoingRequest } from './format.js';
import { TargetRefusedError, checkTargetUrl, guardedLookup } from './ssrf.js';

export interface SendOptions {
  dispatcher: Dispatcher;
  allowPrivateTargets: boolean;
  /** Whole exchange, connect to last body byte. */
  timeoutMs: number;
  /** Bytes of the response body kept in the delivery log. */
  logLimit: number;
}

export interface SendResult {
  /** null when no response arrived (refused, DNS, connect, reset, timeout). */
  status: number | null;
  headers: Record<string, string>;
  /** Up to `logLimit` bytes, decoded as UTF-8. */
  body: string;
  truncated: boolean;
  /** What success detection reads: the body up to READ_LIMIT. */
  fullBody: string;
  error: string | null;
  latencyMs: number;
}

/** Receivers answer "success" or a small JSON; anything past this is never needed to judge. */
const READ_LIMIT = 64 * 1024;

/**
 * A keep-alive agent whose every connection goes through the SSRF guard's DNS lookup.
 * Redirects are never followed: undici's `request` has no redirect handling unless an
 * interceptor adds it, so a 3xx comes back as the answer (and counts as a failure).
 */
export function deliveryAgent(allowPrivateTargets: boolean): Agent {
  return new Agent({
    connect: { lookup: guardedLookup(allowPrivateTargets) as never, timeout: 10_000 },
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
    pipelining: 1,
  });
}

export async function sendRequest(req: OutgoingRequest, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const failed = (error: string): SendResult => ({
    status: null,
    headers: {},
    body: '',
    truncated: false,
    fullBody: '',
    error,
    latencyMs: latency(),
  });
  try {
    checkTargetUrl(req.url, options.allowPrivateTargets);
  } catch (error) {
    return failed((error as Error).message);
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs);
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher: options.dispatcher,
      signal: abort.signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let cut = false;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      size += buf.length;
      if (size >= READ_LIMIT) {
        cut = true;
        res.body.destroy();
        break;
      }
    }
    const raw = Buffer.concat(chunks);
    const fullBody = raw.subarray(0, READ_LIMIT).toString('utf8');
    const truncated = cut || raw.length > options.logLimit;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return {
      status: res.statusCode,
      headers,
      body: truncateUtf8(raw, options.logLimit),
      truncated,
      fullBody,
      error: null,
      latencyMs: latency(),
    };
  } catch (error) {
    if (abort.signal.aborted) return failed(`timed out after ${options.timeoutMs} ms`);
    return failed(describeError(error));
  } finally {
    clearTimeout(timer);
  }
}

function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (e instanceof TargetRefusedError || e?.code === 'ETARGETREFUSED') return e.message;
  const cause = e?.cause;
  if (cause?.code === 'ETARGETREFUSED') return cause.message;
  const code = e?.code ?? cause?.code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `timed out (${code})`;
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
      return 'connection reset by the receiver';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'host not found (DNS)';
    default:
      return `${code ? code + ': ' : ''}${e?.message ?? String(error)}`;
  }
}

/** Cuts at a byte limit without leaving half a UTF-8 character. */
function truncateUtf8(raw: Buffer, limit: number): string {
  if (raw.length <= limit) return raw.toString('utf8');
  let end = limit;
  while (end > 0 && (raw[end] & 0xc0) === 0x80) end--;
  return raw.subarray(0, end).toString('utf8');
}
