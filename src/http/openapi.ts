import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The admin API describes itself: every route's TypeBox schema becomes OpenAPI 3 at
 * /api/openapi.json, browsable at /api/docs. Dialect and internal routes are hidden.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Juhe admin API',
        version: '1',
        description:
          'Manage merchants, apps and their keys, stores, channel configs, charges, refunds, events, webhooks and ' +
          'the audit log. Authenticate with a session cookie (POST /api/v1/login) or `Authorization: Bearer <token>`. ' +
          'A change made with the session cookie must send the `x-csrf-token` header (the `csrf_token` of /login or /me) ' +
          'and come from the same origin; bearer tokens are exempt. ' +
          'Every POST accepts an `Idempotency-Key` header. Errors are `{"error": {"code", "message", "param"}}`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'juhe_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
