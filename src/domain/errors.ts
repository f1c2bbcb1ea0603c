/**
 * The one error catalog. Codes are stable API: dialects map them onto their own
 * codes in one table each (dialects/<name>/errors.ts), the admin API returns them
 * as `{"error": {"code", "message", "param"}}` with the status below.
 */
export const ERROR_CATALOG = {
  invalid_request: { status: 400, message: 'The request is malformed.' },
  missing_parameter: { status: 400, message: 'A required parameter is missing.' },
  invalid_parameter: { status: 400, message: 'A parameter has an invalid value.' },
  invalid_amount: { status: 400, message: 'The amount is not a valid positive amount.' },
  invalid_currency: { status: 400, message: 'The currency is not supported.' },
  unauthenticated: { status: 401, message: 'Authentication is required.' },
  invalid_credentials: { status: 401, message: 'The credentials are not valid.' },
  invalid_signature: { status: 401, message: 'The signature does not match.' },
  stale_timestamp: { status: 401, message: 'The request timestamp is outside the allowed window.' },
  // The same signed request (same nonce, or same signature) arrived before within its window.
  request_replayed: { status: 401, message: 'This signed request was already received.' },
  forbidden: { status: 403, message: 'Your role does not allow this action.' },
  not_found: { status: 404, message: 'No such object.' },
  app_not_found: { status: 404, message: 'No such app.' },
  store_not_found: { status: 404, message: 'No such store.' },
  charge_not_found: { status: 404, message: 'No such charge.' },
  refund_not_found: { status: 404, message: 'No such refund.' },
  order_no_duplicate: { status: 409, message: 'The merchant order number was already used.' },
  refund_no_duplicate: { status: 409, message: 'The refund number was already used.' },
  already_exists: { status: 409, message: 'The object already exists.' },
  idempotency_key_reused: {
    status: 409,
    message: 'This Idempotency-Key was used with a different request.',
  },
  idempotency_key_in_progress: {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed.',
  },
  charge_not_cancelable: { status: 409, message: 'Only an unpaid charge can be canceled.' },
  charge_already_paid: { status: 409, message: 'The charge was already paid.' },
  charge_not_payable: { status: 409, message: 'The charge can no longer be paid.' },
  charge_not_refundable: { status: 409, message: 'Only a succeeded charge can be refunded.' },
  refund_exceeds_amount: { status: 409, message: 'The refund would exceed the amount paid.' },
  refund_in_progress: { status: 409, message: 'Another refund of this charge is still processing.' },
  not_test_mode: { status: 409, message: 'Test helpers only act on test-mode objects.' },
  ambiguous_reference: { status: 409, message: 'The reference matches more than one object.' },
  channel_not_available: { status: 400, message: 'The channel is not available for this app.' },
  channel_not_supported: { status: 400, message: 'The channel does not support this operation.' },
  // The app's channel config holds a key or certificate that cannot be read (MaxPay's CERT_FILE_ERROR).
  channel_certificate_invalid: {
    status: 400,
    message: "A key or certificate in the channel's configuration cannot be read.",
  },
  channel_error: { status: 502, message: 'The payment channel returned an error.' },
  request_timeout: { status: 408, message: 'The request did not arrive in time.' },
  // The provider has not generated the day's statement yet (too early, or still being written): retry later.
  statement_not_ready: { status: 409, message: "The provider's statement for that day is not ready yet." },
  // The statement file failed its integrity checks (hash, compression, summary): nothing was applied.
  statement_invalid: { status: 502, message: "The provider's statement failed its integrity check." },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  unsupported_media_type: { status: 415, message: 'The content type is not supported.' },
  rate_limited: { status: 429, message: 'Too many requests.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  unavailable: { status: 503, message: 'The service is temporarily unavailable.' },
  // The database restarted, refused, dropped or timed out the request: safe to retry shortly.
  database_unavailable: {
    status: 503,
    message: 'The database is temporarily unavailable; try again shortly.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export class JuheError extends Error {
  readonly code: ErrorCode;
  readonly param?: string;
  readonly status: number;
  /** Extra facts a dialect may need to map the error (e.g. the existing charge id). */
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, param?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CATALOG[code].message);
    this.name = 'JuheError';
    this.code = code;
    this.param = param;
    this.status = ERROR_CATALOG[code].status;
    this.details = details;
  }

  toJSON(): {
    error: {
      code: ErrorCode;
      message: string;
      param?: string;
      errors?: { param: string; message: string }[];
    };
  } {
    // A form's several field errors at once (channel configs): `param` names the first.
    const errors = Array.isArray(this.details?.errors)
      ? (this.details.errors as { param: string; message: string }[])
      : undefined;
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.param ? { param: this.param } : {}),
        ...(errors ? { errors } : {}),
      },
    };
  }
}

export function isJuheError(error: unknown): error is JuheError {
  return error instanceof JuheError;
}
