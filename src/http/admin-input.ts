import type { FastifyRequest } from 'fastify';
import { JuheError } from '../domain/errors.js';
import { MAX_JSON_NESTING, nestedDeeperThan, unstorableTextAt } from '../domain/storable-text.js';

/**
 * Checks at the admin API's edge for input that passes the JSON schemas but that the
 * database or JavaScript cannot hold: it would otherwise fail deep inside a query as a 500
 * instead of a 400 naming the parameter.
 */

/**
 * Years a date-time may fall in. JS dates before 1970 and after 9998 are valid but
 * PostgreSQL refuses year 0000 and a UTC offset can push 9999 into year 10000, which
 * `toISOString` writes as `+010000`; no payment date is outside this range.
 */
const FIRST_YEAR = 1970;
const LAST_YEAR = 9998;

/**
 * An ISO-8601 date-time the schema's `date-time` format accepted, as a Date; a 400
 * `invalid_parameter` naming `param` when JS cannot represent it (a leap second such as
 * 23:59:60 is Invalid Date) or its year is outside 1970-9998.
 */
export function parseDateTime(value: string, param: string): Date {
  const date = new Date(value);
  const time = date.getTime();
  if (Number.isNaN(time)) {
    throw new JuheError('invalid_parameter', `${param} is not a representable date-time`, param);
  }
  const year = date.getUTCFullYear();
  if (year < FIRST_YEAR || year > LAST_YEAR) {
    throw new JuheError(
      'invalid_parameter',
      `${param} must fall between the years ${FIRST_YEAR} and ${LAST_YEAR}`,
      param,
    );
  }
  return date;
}

/** parseDateTime for an optional field. */
export function parseOptionalDateTime(value: string | undefined, param: string): Date | undefined {
  return value === undefined || value === '' ? undefined : parseDateTime(value, param);
}

/** Strips the leading dot unstorableTextAt starts its paths with. */
function paramName(path: string): string {
  return path.replace(/^\./, '') || 'body';
}

/** A 400 for the first value in params, query or body that cannot be stored; else nothing. */
export function refuseUnstorable(parts: { params?: unknown; query?: unknown; body?: unknown }): void {
  for (const value of [parts.params, parts.query, parts.body]) {
    if (nestedDeeperThan(value, MAX_JSON_NESTING)) {
      throw new JuheError('invalid_parameter', `Objects nest deeper than ${MAX_JSON_NESTING} levels`);
    }
    const at = unstorableTextAt(value, '');
    if (at !== undefined) {
      const param = paramName(at);
      throw new JuheError(
        'invalid_parameter',
        `${param} contains a NUL character or an unpaired surrogate`,
        param,
      );
    }
  }
}

/** preValidation hook: refuses unstorable text anywhere in the request before any route runs. */
export async function refuseUnstorableInput(request: FastifyRequest): Promise<void> {
  refuseUnstorable({ params: request.params, query: request.query, body: request.body });
}

/** The path of the first number that is not finite (`.limit`, `.items.0.amount`), if any. */
function nonFiniteNumberAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = nonFiniteNumberAt(inner, `${path}.${key}`);
    if (at !== undefined) return at;
  }
  return undefined;
}

/**
 * preHandler hook: refuses a number the schemas let through but no query can use. ajv
 * coerces `limit=1e400` (or `Infinity`) to Infinity and counts it an integer within
 * `maximum`; JSON.parse reads an overflowing literal as Infinity too. Runs after
 * validation, so only fields typed as numbers are looked at.
 */
export async function refuseNonFiniteNumbers(request: FastifyRequest): Promise<void> {
  for (const value of [request.params, request.query, request.body]) {
    const at = nonFiniteNumberAt(value, '');
    if (at !== undefined) {
      const param = paramName(at);
      throw new JuheError('invalid_parameter', `${param} must be a finite number`, param);
    }
  }
}
