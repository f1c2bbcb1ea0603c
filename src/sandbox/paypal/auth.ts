import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { rawBody } from '../_kit/raw-body.js';
import { PaypalError, paypalTime, sendError } from './codec.js';
import { PAYPAL_BASE_PATH, type PpSim, TOKEN_LIFETIME_S } from './context.js';
import { paypalId } from './keys.js';
import { findToken, insertToken } from './repository.js';

/**
 * PayPal's OAuth 2.0: `POST /v1/oauth2/token` with the app's client id and secret (HTTP
 * Basic) and grant_type=client_credentials issues a bearer token; every REST call carries one.
 */
export function tokenRoute(app: FastifyInstance, sim: PpSim): void {
  app.post(`${PAYPAL_BASE_PATH}/v1/oauth2/token`, async (req, reply) => {
    if (sim.faults.take('error_5xx')) return sendError(reply, new PaypalError(500, 'INTERNAL_SERVER_ERROR'));
    const auth = String(req.headers.authorization ?? '');
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const [id, secret] = colon < 0 ? ['', ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (id !== sim.keys.clientId || secret !== sim.keys.clientSecret) {
      return reply
        .status(401)
        .send({ error: 'invalid_client', error_description: 'Client Authentication failed' });
    }
    const form = new URLSearchParams(rawBody(req));
    if (form.get('grant_type') !== 'client_credentials') {
      return reply
        .status(400)
        .send({ error: 'unsupported_grant_type', error_description: 'Grant Type is NULL or not supported' });
    }
    const now = sim.ctx.clock.now();
    const token = `A21AA${randomBytes(48).toString('base64url')}`;
    await insertToken(sim.ctx.db, {
      access_token: token,
      client_id: id,
      expires_at: new Date(now.getTime() + TOKEN_LIFETIME_S * 1000),
      created_at: now,
    });
    return reply.send({
      scope:
        'https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund',
      access_token: token,
      token_type: 'Bearer',
      app_id: `APP-${paypalId(17)}`,
      expires_in: TOKEN_LIFETIME_S,
      nonce: `${paypalTime(now)}${randomBytes(16).toString('base64url')}`,
    });
  });
}

/**
 * The app a REST call's bearer token was issued to, or undefined after answering the
 * refusal as PayPal does (no token: AUTHENTICATION_FAILURE; unknown or expired: invalid_token).
 */
export async function bearerClient(
  sim: PpSim,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<string | undefined> {
  const auth = String(req.headers.authorization ?? '');
  if (!auth.startsWith('Bearer ')) {
    await sendError(reply, new PaypalError(401, 'AUTHENTICATION_FAILURE'));
    return undefined;
  }
  const token = await findToken(sim.ctx.db, auth.slice(7));
  if (!token) {
    await reply
      .status(401)
      .send({ error: 'invalid_token', error_description: 'The token passed in was not found in the system' });
    return undefined;
  }
  if (new Date(token.expires_at).getTime() <= sim.ctx.clock.now().getTime()) {
    await reply.status(401).send({ error: 'invalid_token', error_description: 'Access Token expired' });
    return undefined;
  }
  return token.client_id;
}
