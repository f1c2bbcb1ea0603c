import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Who may read the operator surfaces: Prometheus metrics and the API documentation.
 * In development they are open (a newcomer reads /api/docs at once). In production they
 * describe the deployment (route names, charge counts by channel, outbox lag) to anyone who
 * asks, so they answer only a bearer token (JUHE_OPS_TOKEN), and not at all without one.
 */
export interface OpsAccess {
  /** Open to everyone (development and test mode). */
  open: boolean;
  /** The bearer token that opens them when not open; null: they are switched off. */
  token: string | null;
}

export const OPEN_OPS: OpsAccess = { open: true, token: null };

const OPS_PATHS = ['/metrics', '/api/docs', '/api/openapi.json'];

function isOpsPath(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return OPS_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

export function guardOpsSurfaces(app: FastifyInstance, access: OpsAccess): void {
  if (access.open) return;
  const expected = access.token === null ? null : digest(access.token);
  app.addHook('onRequest', async (request, reply) => {
    if (!isOpsPath(request.url)) return;
    // Switched off: answer as if the route did not exist, so a scan learns nothing.
    if (expected === null)
      return reply
        .status(404)
        .send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url}` } });
    if (bearerMatches(request, expected)) return;
    return reply
      .status(401)
      .header('www-authenticate', 'Bearer realm="juhe-ops"')
      .send({
        error: {
          code: 'unauthenticated',
          message: 'This endpoint needs the operator token (JUHE_OPS_TOKEN).',
        },
      });
  });
}

function bearerMatches(request: FastifyRequest, expected: Buffer): boolean {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  // Compare digests: equal length whatever was sent, so the comparison time tells nothing.
  return timingSafeEqual(digest(header.slice(7).trim()), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
