import { ApiError, NetworkError } from './errors';

export { ApiError, NetworkError, isApiError } from './errors';

/** Where the admin API lives, relative to the console's origin. */
export const API_BASE = '/api/v1';

/**
 * The per-session CSRF token (returned by POST /login and GET /me). The gateway demands it in
 * `x-csrf-token` on every cookie-authenticated change; the session cookie alone is not enough.
 */
let csrfToken: string | undefined;
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called once per 401 on an authenticated call: the shell shows "session expired" and goes to the login page. */
let onSessionExpired: (() => void) | undefined;
export function setSessionExpiredHandler(handler: (() => void) | undefined): void {
  onSessionExpired = handler;
}

export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Login itself answers 401 for a wrong password: that is no expired session. */
  skipSessionExpiry?: boolean;
  headers?: Record<string, string>;
}

export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(withQuery(API_BASE + path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new NetworkError(error);
  }
  if (response.ok) return response;
  const text = await response.text().catch(() => '');
  let parsed: {
    error?: {
      code?: string;
      message?: string;
      param?: string;
      errors?: { param: string; message: string }[];
    };
  } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // a proxy's HTML error page: keep the status only
  }
  const error = new ApiError(
    response.status,
    parsed.error?.code ?? `http_${response.status}`,
    parsed.error?.message ?? (text.slice(0, 200) || response.statusText),
    parsed.error?.param,
    response.headers.get('x-request-id') ?? undefined,
    parsed.error?.errors,
  );
  if (response.status === 401 && !options.skipSessionExpiry) onSessionExpired?.();
  throw error;
}

/** A JSON call to the admin API. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/**
 * Downloads a streamed export, reporting bytes as they arrive (the server cannot know the
 * total up front, so progress is a running count, plus the row count when it sends one).
 */
export async function download(
  path: string,
  query: Query,
  onProgress: (receivedBytes: number) => void,
  signal?: AbortSignal,
): Promise<{ blob: Blob; filename: string }> {
  const response = await send(path, { query, signal, headers: { accept: '*/*' } });
  const disposition = response.headers.get('content-disposition') ?? '';
  const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? 'export';
  const reader = response.body?.getReader();
  if (!reader) return { blob: await response.blob(), filename };
  const parts: BlobPart[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value as Uint8Array<ArrayBuffer>);
    received += value.byteLength;
    onProgress(received);
  }
  return { blob: new Blob(parts, { type: response.headers.get('content-type') ?? undefined }), filename };
}
