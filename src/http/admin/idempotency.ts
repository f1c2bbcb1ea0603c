import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/context.js';
import {
  claimIdempotencyKey,
  releaseIdempotencyKey,
  storeIdempotentResponse,
} from '../../core/auth/idempotency.js';
import { JuheError } from '../../domain/errors.js';
import { sha256 } from './kit.js';

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
    const claim = await claimIdempotencyKey(core, { actor, key, method: request.method, path, requestHash });
    if (claim.claimed) {
      request.idempotency = { actor, key };
      return;
    }
    const stored = claim.stored;
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
      await releaseIdempotencyKey(core, claim.actor, claim.key);
      return payload;
    }
    const body = typeof payload === 'string' && payload.length > 0 ? payload : 'null';
    await storeIdempotentResponse(core, claim.actor, claim.key, reply.statusCode, body);
    return payload;
  });
}
