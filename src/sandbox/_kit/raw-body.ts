import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Makes a simulator's routes take every body as the exact string sent, whatever its content
 * type: providers sign the bytes, so a body parsed and serialized again would no longer
 * verify; the few form posts (payer pages, UnionPay's gateway) are parsed by hand.
 */
export function takeRawBodies(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_r, body, done) => done(null, body));
}

/** A request's body as sent ('' when it had none). */
export const rawBody = (request: FastifyRequest): string =>
  typeof request.body === 'string' ? request.body : '';

/** A JSON object sent over a raw-body scope (a payer API call); {} when it is not one. */
export function jsonBody(body: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(String(body ?? ''));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
