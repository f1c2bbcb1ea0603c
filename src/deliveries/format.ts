import type { Queryable } from '../db/db.js';
import type { Core } from '../core/context.js';

/**
 * A notification format: how one event becomes one HTTP request for one target, in a
 * dialect's own wire shape (maxpay webhook, paymax webhook, store notify_url, unified
 * bgUrl, native Juhe-Signature webhook), and how that dialect's receiver says "got it".
 * The delivery engine (deliveries/) owns targets, scheduling, attempts and logging; a
 * format owns only bytes on the wire. A dialect's format lives in dialects/<name>/notification.ts,
 * the gateway's own (native) in deliveries/formats/native.ts.
 */
export type FormatName = 'maxpay' | 'paymax' | 'store' | 'unified' | 'native';

/** An event row as stored (events table). `data` is the serialized object (core/serialize.ts). */
export interface StoredEvent {
  id: string;
  appId: string | null;
  livemode: boolean;
  type: string;
  objectType: string;
  objectId: string;
  data: Record<string, any>;
  createdAt: Date;
}

/** Where a notification goes: a registered endpoint or a per-order URL (store notify_url, unified bgUrl). */
export interface Target {
  format: FormatName;
  url: string;
  /** Set for registered endpoints (webhook_endpoints.id); null for per-order URLs. */
  endpointId: string | null;
  /** Custom headers configured on the endpoint. */
  headers: Record<string, string>;
  /** Endpoint secret(s) for formats that sign with one (native); first is current. */
  secrets: string[];
}

export interface OutgoingRequest {
  method: 'GET' | 'POST';
  /** Full URL; GET formats put their signed parameters in the query string. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Retry schedules are data. `delays`: wait delays[i] ms after attempt i+1 fails, stop
 * after the last (maxpay: 1m, 5m, ... 24h). `linear`: wait `stepMs * n` after the n-th failed
 * attempt (30 s, 60 s, 90 s, ...) while the next attempt is within `maxElapsedMs` of the first
 * (store: 30 s multiples for 3 hours). Semantics: notify/schedule.ts nextAttemptAt.
 * `exponential`: base * 2^n capped at `capMs`, until `maxElapsedMs` (paymax: up to 3 days).
 */
export type RetrySchedule =
  | { kind: 'delays'; delaysMs: number[] }
  | { kind: 'linear'; stepMs: number; maxElapsedMs: number }
  | { kind: 'exponential'; baseMs: number; capMs: number; maxElapsedMs: number };

export interface BuildContext {
  q: Queryable;
  core: Core;
  event: StoredEvent;
  target: Target;
  /** Stable per (event, target): receivers deduplicate on it. */
  notificationId: string;
  now: Date;
}

export interface NotifyFormat {
  name: FormatName;
  defaultSchedule: RetrySchedule;
  /** Event types this format carries (e.g. store: charge.succeeded and refund.succeeded). */
  eventTypes: readonly string[];
  /** Builds the exact request. Returning null means "this event has nothing for this target". */
  build(ctx: BuildContext): Promise<OutgoingRequest | null>;
  /** The receiver's acknowledgement: maxpay HTTP 200, store body `notify_success`, unified `success`. */
  isSuccess(status: number, body: string): boolean;
}
