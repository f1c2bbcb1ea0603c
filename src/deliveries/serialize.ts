import type { DeliveryAttemptRow, DeliveryRow } from '../db/deliveries.js';
import type { WebhookEndpoint } from './endpoints.js';
import { effectiveSchedule } from './endpoints.js';
import { scheduleToJson } from './schedule-json.js';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** Admin API and `endpoint.*` event shape of an endpoint. Never carries its secret. */
export function serializeEndpoint(e: WebhookEndpoint): Record<string, unknown> {
  return {
    id: e.id,
    object: 'webhook_endpoint',
    app: e.appId,
    url: e.url,
    format: e.format,
    mode: e.livemode ? 'live' : 'test',
    livemode: e.livemode,
    events: e.events,
    headers: e.headers,
    schedule: e.schedule ? scheduleToJson(e.schedule) : null,
    effective_schedule: scheduleToJson(effectiveSchedule(e)),
    description: e.description,
    enabled: e.enabled,
    status: e.health,
    consecutive_failures: e.consecutiveFailures,
    failing_since: iso(e.failingSince),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  };
}

export function serializeDelivery(r: DeliveryRow): Record<string, unknown> {
  return {
    id: r.id,
    object: 'delivery',
    event: r.event_id,
    event_type: r.event_type,
    app: r.app_id,
    livemode: r.livemode,
    endpoint: r.endpoint_id,
    format: r.format,
    url: r.url,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: iso(r.next_attempt_at),
    last_attempt_at: iso(r.last_attempt_at),
    last_response_status: r.last_response_status,
    last_error: r.last_error,
    created_at: iso(r.created_at),
    completed_at: iso(r.completed_at),
  };
}

export function serializeAttempt(r: DeliveryAttemptRow): Record<string, unknown> {
  return {
    number: r.number,
    outcome: r.outcome,
    trigger: r.trigger,
    worker: r.worker,
    request: r.request_method
      ? { method: r.request_method, url: r.request_url, headers: r.request_headers, body: r.request_body }
      : null,
    response:
      r.response_status !== null && r.response_status !== undefined
        ? {
            status: r.response_status,
            headers: r.response_headers,
            body: r.response_body,
            truncated: r.response_truncated,
          }
        : null,
    error: r.error,
    latency_ms: r.latency_ms,
    started_at: iso(r.started_at),
    completed_at: iso(r.completed_at),
  };
}
