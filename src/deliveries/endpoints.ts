import type { Core } from '../core/context.js';
import type { SecretBox } from '../core/secret-box.js';
import { findApp } from '../db/apps.js';
import type { Queryable } from '../db/db.js';
import { cancelPendingOfEndpoint } from '../db/deliveries.js';
import * as repo from '../db/webhook-endpoints.js';
import type { WebhookEndpointRow } from '../db/webhook-endpoints.js';
import { JuheError } from '../domain/errors.js';
import type { RetrySchedule } from './format.js';
import { ENDPOINT_FORMATS, type EndpointFormat, findFormat } from './formats/index.js';
import { SCHEDULE_UNITS, scheduleProblem } from './schedule.js';
import { TargetRefusedError, checkTargetOnRegistration } from './ssrf.js';

export interface WebhookEndpoint {
  id: string;
  appId: string;
  url: string;
  format: EndpointFormat;
  livemode: boolean;
  /** Event types, or ['*'] for every type the format carries. */
  events: string[];
  headers: Record<string, string>;
  /** The endpoint's own schedule; null means the format's default. */
  schedule: RetrySchedule | null;
  description: string | null;
  enabled: boolean;
  health: 'active' | 'failing';
  consecutiveFailures: number;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

/** An endpoint row, or the same row through to_jsonb (its times then strings). */
export type EndpointColumns = Omit<
  WebhookEndpointRow,
  'failing_since' | 'created_at' | 'updated_at' | 'deleted_at'
> & {
  failing_since: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
};

export function toEndpoint(r: EndpointColumns): WebhookEndpoint {
  return {
    id: r.id,
    appId: r.app_id,
    url: r.url,
    format: r.format as EndpointFormat,
    livemode: r.livemode,
    events: r.events as string[],
    headers: (r.headers ?? {}) as Record<string, string>,
    schedule: (r.schedule ?? null) as RetrySchedule | null,
    description: r.description ?? null,
    enabled: r.enabled,
    health: r.health as WebhookEndpoint['health'],
    consecutiveFailures: r.consecutive_failures,
    failingSince: r.failing_since ? new Date(r.failing_since) : null,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    deletedAt: r.deleted_at ? new Date(r.deleted_at) : null,
  };
}

/** The schedule an endpoint's deliveries follow. */
export function effectiveSchedule(endpoint: Pick<WebhookEndpoint, 'format' | 'schedule'>): RetrySchedule {
  return endpoint.schedule ?? findFormat(endpoint.format)!.defaultSchedule;
}

/** Does this endpoint want this event type? */
export function endpointWants(endpoint: Pick<WebhookEndpoint, 'format' | 'events'>, type: string): boolean {
  const format = findFormat(endpoint.format);
  if (!format || !format.eventTypes.includes(type)) return false;
  return endpoint.events.includes('*') || endpoint.events.includes(type);
}

export async function findEndpoint(
  q: Queryable,
  id: string,
  lock = false,
): Promise<WebhookEndpoint | undefined> {
  const row = await repo.findEndpointRow(q, id, lock);
  return row ? toEndpoint(row) : undefined;
}

export async function listEndpoints(
  q: Queryable,
  filter: { appId?: string; livemode?: boolean } = {},
): Promise<WebhookEndpoint[]> {
  return (await repo.listEndpointRows(q, filter)).map(toEndpoint);
}

/** Secrets that sign right now: the current one first, then any still inside a rotation overlap. */
export async function activeSecrets(
  q: Queryable,
  box: SecretBox,
  endpointId: string,
  now: Date,
): Promise<string[]> {
  return (await repo.activeSecretsSealed(q, endpointId, now)).map((sealed) => box.open(sealed));
}

export interface EndpointCreateParams {
  appId: string;
  url: string;
  format: EndpointFormat;
  livemode: boolean;
  events?: string[];
  headers?: Record<string, string>;
  schedule?: RetrySchedule | null;
  description?: string | null;
  enabled?: boolean;
}

export type EndpointUpdateParams = Partial<Omit<EndpointCreateParams, 'appId' | 'format'>>;

/** Headers the engine or the format owns; an endpoint may not override them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'sign',
  'juhe-signature',
  'juhe-event-id',
  'juhe-notification-id',
]);

async function validate(
  params: EndpointUpdateParams & { format: EndpointFormat },
  allowPrivateTargets: boolean,
): Promise<void> {
  const format = findFormat(params.format);
  if (!(ENDPOINT_FORMATS as readonly string[]).includes(params.format) || !format)
    throw new JuheError('invalid_parameter', `format ${params.format} is not available`, 'format');
  if (params.url !== undefined) {
    try {
      await checkTargetOnRegistration(params.url, allowPrivateTargets);
    } catch (error) {
      if (error instanceof TargetRefusedError) throw new JuheError('invalid_parameter', error.message, 'url');
      throw error;
    }
    if (params.url.length > 2048)
      throw new JuheError('invalid_parameter', 'url is longer than 2048 characters', 'url');
  }
  if (params.events !== undefined) {
    if (params.events.length === 0)
      throw new JuheError('invalid_parameter', 'events must not be empty', 'events');
    for (const type of params.events) {
      if (type !== '*' && !format.eventTypes.includes(type))
        throw new JuheError(
          'invalid_parameter',
          `${params.format} endpoints carry ${format.eventTypes.join(', ')}; not ${type}`,
          'events',
        );
    }
  }
  if (params.headers) {
    for (const [name, value] of Object.entries(params.headers)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
        throw new JuheError(
          'invalid_parameter',
          `header name ${JSON.stringify(name)} is not valid`,
          'headers',
        );
      if (RESERVED_HEADERS.has(name.toLowerCase()))
        throw new JuheError(
          'invalid_parameter',
          `header ${name} is set by Juhe and cannot be overridden`,
          'headers',
        );
      if (typeof value !== 'string' || /[\r\n\0]/.test(value))
        throw new JuheError('invalid_parameter', `header ${name} has an invalid value`, 'headers');
    }
  }
  if (params.schedule) {
    const problem = scheduleProblem(params.schedule);
    if (problem) throw new JuheError('invalid_parameter', `schedule: ${problem}`, 'schedule');
  }
}

export function newEndpointSecret(core: Pick<Core, 'ids'>): string {
  return `whsec_${core.ids.secret(24)}`;
}

/** Creates an endpoint; native endpoints get a signing secret, returned in plaintext this once. */
export async function createEndpoint(
  q: Queryable,
  core: Core,
  params: EndpointCreateParams,
  options: { allowPrivateTargets: boolean },
): Promise<{ endpoint: WebhookEndpoint; secret: string | null }> {
  await validate(params, options.allowPrivateTargets);
  if (!(await findApp(q, params.appId))) throw new JuheError('app_not_found', undefined, 'app');
  const now = core.clock.now();
  const id = core.ids.next('endpoint');
  const row = await repo.insertEndpoint(q, {
    id,
    appId: params.appId,
    format: params.format,
    url: params.url,
    livemode: params.livemode,
    events: params.events ?? ['*'],
    headers: params.headers ?? {},
    schedule: params.schedule ?? null,
    description: params.description ?? null,
    enabled: params.enabled ?? true,
    now,
  });
  let secret: string | null = null;
  if (params.format === 'native') {
    secret = newEndpointSecret(core);
    await insertSecret(q, core, id, secret, now);
  }
  return { endpoint: toEndpoint(row), secret };
}

async function insertSecret(q: Queryable, core: Core, endpointId: string, secret: string, now: Date) {
  await repo.insertEndpointSecret(q, {
    id: core.ids.next('credential'),
    endpointId,
    secretEnc: core.box.seal(secret),
    createdAt: now,
  });
}

export async function updateEndpoint(
  q: Queryable,
  core: Core,
  id: string,
  patch: EndpointUpdateParams,
  options: { allowPrivateTargets: boolean },
): Promise<WebhookEndpoint> {
  const current = await findEndpoint(q, id, true);
  if (!current) throw new JuheError('not_found', 'No such webhook endpoint.', 'id');
  await validate({ ...patch, format: current.format }, options.allowPrivateTargets);
  const next = {
    url: patch.url ?? current.url,
    livemode: patch.livemode ?? current.livemode,
    events: patch.events ?? current.events,
    headers: patch.headers ?? current.headers,
    schedule: patch.schedule === undefined ? current.schedule : patch.schedule,
    description: patch.description === undefined ? current.description : patch.description,
    enabled: patch.enabled ?? current.enabled,
  };
  const row = await repo.updateEndpointRow(q, id, next, core.clock.now());
  // Deliveries already planned for the other mode must not cross over: cancel them.
  if (next.livemode !== current.livemode) await cancelPending(q, core, id, 'endpoint switched mode');
  else if (current.enabled && !next.enabled) await cancelPending(q, core, id, 'endpoint disabled');
  return toEndpoint(row);
}

/** Soft delete: the delivery log keeps its history; pending deliveries are canceled. */
export async function deleteEndpoint(q: Queryable, core: Core, id: string): Promise<WebhookEndpoint> {
  const current = await findEndpoint(q, id, true);
  if (!current) throw new JuheError('not_found', 'No such webhook endpoint.', 'id');
  const now = core.clock.now();
  const row = await repo.softDeleteEndpoint(q, id, now);
  await cancelPending(q, core, id, 'endpoint deleted');
  await repo.expireOpenSecrets(q, id, now);
  return toEndpoint(row);
}

async function cancelPending(q: Queryable, core: Core, endpointId: string, reason: string) {
  await cancelPendingOfEndpoint(q, endpointId, core.clock.now(), reason);
}

export const DEFAULT_ROTATION_OVERLAP_MS = 24 * SCHEDULE_UNITS.HOUR;
export const MAX_ROTATION_OVERLAP_MS = 7 * SCHEDULE_UNITS.DAY;

/**
 * Issues a new signing secret. The previous one(s) keep signing for `overlapMs` (every
 * request carries one v1 per active secret), so the merchant can deploy the new secret
 * without rejecting a single notification. Overlap 0 retires the old secret at once.
 */
export async function rotateSecret(
  q: Queryable,
  core: Core,
  id: string,
  overlapMs = DEFAULT_ROTATION_OVERLAP_MS,
): Promise<{ endpoint: WebhookEndpoint; secret: string; previousExpiresAt: Date }> {
  const endpoint = await findEndpoint(q, id, true);
  if (!endpoint) throw new JuheError('not_found', 'No such webhook endpoint.', 'id');
  if (endpoint.format !== 'native')
    throw new JuheError(
      'invalid_request',
      `${endpoint.format} endpoints are not signed with an endpoint secret`,
    );
  if (!Number.isInteger(overlapMs) || overlapMs < 0 || overlapMs > MAX_ROTATION_OVERLAP_MS)
    throw new JuheError(
      'invalid_parameter',
      `overlap must be between 0 and ${MAX_ROTATION_OVERLAP_MS / 1000} seconds`,
      'overlap_seconds',
    );
  const now = core.clock.now();
  const previousExpiresAt = new Date(now.getTime() + overlapMs);
  await repo.endSecretsAt(q, id, now, previousExpiresAt);
  const secret = newEndpointSecret(core);
  await insertSecret(q, core, id, secret, now);
  await repo.touchEndpoint(q, id, now);
  return { endpoint, secret, previousExpiresAt };
}
