import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { JuheError } from '../../domain/errors.js';
import { EVENT_TYPES } from '../../domain/events.js';
import {
  DEFAULT_ROTATION_OVERLAP_MS,
  MAX_ROTATION_OVERLAP_MS,
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
} from '../../deliveries/endpoints.js';
import { ENDPOINT_FORMATS } from '../../deliveries/formats/index.js';
import { type ScheduleJson, scheduleFromJson } from '../../deliveries/schedule-json.js';
import { serializeEndpoint } from '../../deliveries/serialize.js';
import { defaultAllowPrivateTargets } from '../../deliveries/ssrf.js';
import { sendTestEvent } from '../../deliveries/test-event.js';
import { audit, requirePermission } from './kit.js';

const EndpointId = Type.Object({ id: Type.String({ pattern: '^we_[0-9a-f]{24}$' }) });
const Mode = Type.Union([Type.Literal('test'), Type.Literal('live')]);
const Format = Type.Union(ENDPOINT_FORMATS.map((f) => Type.Literal(f)));
const EventName = Type.Union([Type.Literal('*'), ...EVENT_TYPES.map((t) => Type.Literal(t))]);
const Ms = Type.Integer({ minimum: 1000, maximum: 7 * 24 * 3_600_000 });
export const ScheduleSchema = Type.Union(
  [
    Type.Object(
      { kind: Type.Literal('delays'), delays_ms: Type.Array(Ms, { maxItems: 50 }) },
      {
        additionalProperties: false,
        description: 'Wait delays_ms[i] after attempt i+1 fails; stop after the last.',
      },
    ),
    Type.Object(
      { kind: Type.Literal('linear'), step_ms: Ms, max_elapsed_ms: Type.Integer({ minimum: 0 }) },
      {
        additionalProperties: false,
        description:
          'Wait step_ms * n after the n-th failure, while within max_elapsed_ms of the first attempt.',
      },
    ),
    Type.Object(
      {
        kind: Type.Literal('exponential'),
        base_ms: Ms,
        cap_ms: Ms,
        max_elapsed_ms: Type.Integer({ minimum: 0 }),
      },
      {
        additionalProperties: false,
        description:
          'Wait base_ms * 2^(n-1), capped at cap_ms, while within max_elapsed_ms of the first attempt.',
      },
    ),
  ],
  { description: 'Retry schedule; null or absent means the format default.' },
);
const Headers = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.String({ maxLength: 1000 }), {
  description: 'Custom HTTP headers sent with every notification.',
});
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL of the receiver.' });

const CreateBody = Type.Object(
  {
    app: Type.String({ pattern: '^app_[0-9a-f]{24}$' }),
    url: Url,
    format: Format,
    mode: Type.Optional(Mode),
    events: Type.Optional(Type.Array(EventName, { minItems: 1, maxItems: 50 })),
    headers: Type.Optional(Headers),
    schedule: Type.Optional(Type.Union([ScheduleSchema, Type.Null()])),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    url: Type.Optional(Url),
    mode: Type.Optional(Mode),
    events: Type.Optional(Type.Array(EventName, { minItems: 1, maxItems: 50 })),
    headers: Type.Optional(Headers),
    schedule: Type.Optional(Type.Union([ScheduleSchema, Type.Null()])),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object({
  app: Type.Optional(Type.String({ pattern: '^app_[0-9a-f]{24}$' })),
  mode: Type.Optional(Mode),
});
const ModeBody = Type.Object({ mode: Mode }, { additionalProperties: false });
const RotateBody = Type.Object(
  {
    overlap_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_ROTATION_OVERLAP_MS / 1000,
        description: `How long the previous secret keeps signing (default ${DEFAULT_ROTATION_OVERLAP_MS / 1000}).`,
      }),
    ),
  },
  { additionalProperties: false },
);
const TestBody = Type.Object(
  { type: Type.Optional(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)))) },
  { additionalProperties: false },
);

type Create = Static<typeof CreateBody>;
type Update = Static<typeof UpdateBody>;

const notFound = () => new JuheError('not_found', 'No such webhook endpoint.', 'id');

/**
 * Webhook endpoints: registered receivers of an app's events in the native, maxpay or
 * paymax format. Secrets of native endpoints are shown once, at creation and rotation.
 */
export async function webhookRoutes(
  app: FastifyInstance,
  opts: { core: Core; allowPrivateTargets?: boolean },
): Promise<void> {
  const { core } = opts;
  const allowPrivateTargets = opts.allowPrivateTargets ?? defaultAllowPrivateTargets();
  const tags = ['webhooks'];

  app.get(
    '/webhook_endpoints',
    { schema: { tags, querystring: ListQuery }, preHandler: requirePermission('read') },
    async (request) => {
      const query = request.query as Static<typeof ListQuery>;
      const list = await listEndpoints(core.db, {
        appId: query.app,
        livemode: query.mode === undefined ? undefined : query.mode === 'live',
      });
      return { data: list.map(serializeEndpoint) };
    },
  );

  app.post(
    '/webhook_endpoints',
    { schema: { tags, body: CreateBody }, preHandler: requirePermission('webhooks.write') },
    async (request, reply) => {
      const body = request.body as Create;
      const created = await core.db.tx(async (q) => {
        const result = await createEndpoint(
          q,
          core,
          {
            appId: body.app,
            url: body.url,
            format: body.format,
            livemode: body.mode === 'live',
            events: body.events,
            headers: body.headers,
            schedule: body.schedule ? scheduleFromJson(body.schedule as ScheduleJson) : null,
            description: body.description ?? null,
            enabled: body.enabled,
          },
          { allowPrivateTargets },
        );
        await audit(q, core, request, 'webhook_endpoint.create', {
          type: 'webhook_endpoint',
          id: result.endpoint.id,
        });
        return result;
      });
      // The signing secret is shown here, once.
      return reply.status(201).send({ ...serializeEndpoint(created.endpoint), secret: created.secret });
    },
  );

  app.get(
    '/webhook_endpoints/:id',
    { schema: { tags, params: EndpointId }, preHandler: requirePermission('read') },
    async (request) => {
      const endpoint = await findEndpoint(core.db, (request.params as { id: string }).id);
      if (!endpoint) throw notFound();
      return serializeEndpoint(endpoint);
    },
  );

  const update = async (request: import('fastify').FastifyRequest, patch: Update, action: string) => {
    const { id } = request.params as { id: string };
    return core.db.tx(async (q) => {
      const endpoint = await updateEndpoint(
        q,
        core,
        id,
        {
          url: patch.url,
          livemode: patch.mode === undefined ? undefined : patch.mode === 'live',
          events: patch.events,
          headers: patch.headers,
          schedule:
            patch.schedule === undefined
              ? undefined
              : patch.schedule
                ? scheduleFromJson(patch.schedule as ScheduleJson)
                : null,
          description: patch.description,
          enabled: patch.enabled,
        },
        { allowPrivateTargets },
      );
      await audit(q, core, request, action, { type: 'webhook_endpoint', id }, { fields: Object.keys(patch) });
      return serializeEndpoint(endpoint);
    });
  };

  app.patch(
    '/webhook_endpoints/:id',
    {
      schema: { tags, params: EndpointId, body: UpdateBody },
      preHandler: requirePermission('webhooks.write'),
    },
    async (request) => update(request, request.body as Update, 'webhook_endpoint.update'),
  );

  app.post(
    '/webhook_endpoints/:id/mode',
    {
      schema: {
        tags,
        params: EndpointId,
        body: ModeBody,
        description:
          'Switches the endpoint between test and live events; pending deliveries of the old mode are canceled.',
      },
      preHandler: requirePermission('webhooks.write'),
    },
    async (request) =>
      update(request, { mode: (request.body as Static<typeof ModeBody>).mode }, 'webhook_endpoint.mode'),
  );

  app.delete(
    '/webhook_endpoints/:id',
    { schema: { tags, params: EndpointId }, preHandler: requirePermission('webhooks.write') },
    async (request) => {
      const { id } = request.params as { id: string };
      return core.db.tx(async (q) => {
        const endpoint = await deleteEndpoint(q, core, id);
        await audit(q, core, request, 'webhook_endpoint.delete', { type: 'webhook_endpoint', id });
        return { ...serializeEndpoint(endpoint), deleted: true };
      });
    },
  );

  app.post(
    '/webhook_endpoints/:id/rotate_secret',
    {
      schema: {
        tags,
        params: EndpointId,
        body: Type.Optional(RotateBody),
        description:
          'Issues a new signing secret. The previous one keeps signing (a second v1 in Juhe-Signature) for the overlap.',
      },
      preHandler: requirePermission('webhooks.write'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = (request.body ?? {}) as Static<typeof RotateBody>;
      return core.db.tx(async (q) => {
        const rotated = await rotateSecret(
          q,
          core,
          id,
          body.overlap_seconds === undefined ? undefined : body.overlap_seconds * 1000,
        );
        await audit(q, core, request, 'webhook_endpoint.rotate_secret', { type: 'webhook_endpoint', id });
        return {
          ...serializeEndpoint(rotated.endpoint),
          secret: rotated.secret,
          previous_secret_expires_at: rotated.previousExpiresAt.toISOString(),
        };
      });
    },
  );

  app.post(
    '/webhook_endpoints/:id/test',
    {
      schema: {
        tags,
        params: EndpointId,
        body: Type.Optional(TestBody),
        description:
          'Sends a made-up event now and returns the exact request sent and the response received. Not retried, not logged as a delivery.',
      },
      preHandler: requirePermission('webhooks.write'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      if (!(await findEndpoint(core.db, id))) throw notFound();
      const body = (request.body ?? {}) as Static<typeof TestBody>;
      const result = await sendTestEvent(core, id, { type: body.type, allowPrivateTargets });
      await audit(
        core.db,
        core,
        request,
        'webhook_endpoint.test',
        { type: 'webhook_endpoint', id },
        {
          event_type: result.event.type,
          status: result.response?.status ?? null,
        },
      );
      return {
        event: { id: result.event.id, type: result.event.type },
        request: result.request,
        response: result.response,
        error: result.error,
        latency_ms: result.latencyMs,
        acknowledged: result.acknowledged,
      };
    },
  );
}
