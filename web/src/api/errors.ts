/** The admin API's native error (`{"error": {"code", "message", "param"}}`), kept whole so a form can put the message next to the field `param` names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
    readonly requestId?: string,
    /** Several field errors at once (a channel config's form): each names its field. */
    readonly errors?: { param: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The gateway could not be reached at all (offline, server restarting): said plainly, with a retry. */
export class NetworkError extends Error {
  constructor(readonly cause: unknown) {
    super('network');
    this.name = 'NetworkError';
  }
}

export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}
