import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/context.js';
import { JuheError } from '../../domain/errors.js';
import { sha256 } from './kit.js';

const KEY_TTL_MS = 24 * 60 * 60 * 1000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { actor: string; key: string };
  }
}

/**
 * `Idempotency-Key` on admin POSTs. The first request with a key claims it (one INSERT;
 * concurrent twins lose the race and get 409 in-progress); its response is stored. The
 * same key and body replay the stored response; another body is a 409. 5xx answers are
 * not stored, so a retry after a crash runs again. Keys live 24 hours.
 */
export function registerIdempotency(app: FastifyInstance, core: Core): void {
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || !request.actor) return;
    if (key.length === 0 || key.length > 255) {
      throw new JuheError('invalid_parameter', 'Idempotency-Key must be 1-255 characters', 'Idempotency-Key');
    }
    const actor = request.actor.id;
    const path = request.routeOptions.url ?? request.url;
    const requestHash = sha256(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`);
    const now = core.clock.now();
    await core.db.query('DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2 AND expires_at <= $3', [
      actor,
      key,
      now,
    ]);
    const claimed = await core.db.query(
      `INSERT INTO idempotency_keys (actor, key, method, path, request_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (actor, key) DO NOTHING RETURNING key`,
      [actor, key, request.method, path, requestHash, now, new Date(now.getTime() + KEY_TTL_MS)],
    );
    if (claimed.length > 0) {
      request.idempotency = { actor, key };
      return;
    }
    const [stored] = await core.db.query<{
      request_hash: string;
      response_status: number | null;
      response_body: unknown;
    }>(
      'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE actor = $1 AND key = $2',
      [actor, key],
    );
    if (!stored || stored.request_hash !== requestHash) {
      throw new JuheError('idempotency_key_reused', undefined, 'Idempotency-Key');
    }
    if (stored.response_status === null)
      throw new JuheError('idempotency_key_in_progress', undefined, 'Idempotency-Key');
    reply.header('idempotent-replayed', 'true');
    return reply.status(stored.response_status).send(stored.response_body);
  });

  app.addHook('onSend', async (request: FastifyRequest, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = undefined;
    if (reply.statusCode >= 500) {
      await core.db.query('DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2', [
        claim.actor,
        claim.key,
      ]);
      return payload;
    }
    const body = typeof payload === 'string' && payload.length > 0 ? payload : 'null';
    await core.db.query(
      'UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE actor = $1 AND key = $2',
      [claim.actor, claim.key, reply.statusCode, body],
    );
    return payload;
  });
}
