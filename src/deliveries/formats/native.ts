import { createHmac, timingSafeEqual } from 'node:crypto';
import { EVENT_TYPES } from '../../domain/events.js';
import type { NotifyFormat, StoredEvent } from '../format.js';
import { SCHEDULE_UNITS } from '../schedule.js';

const { MINUTE, HOUR } = SCHEDULE_UNITS;

export const SIGNATURE_HEADER = 'Juhe-Signature';
export const DEFAULT_TOLERANCE_SEC = 300;

/** The JSON body of a native webhook: the event, Stripe-style. */
export function nativeEventBody(event: StoredEvent): Record<string, unknown> {
  return {
    id: event.id,
    object: 'event',
    type: event.type,
    app: event.appId,
    livemode: event.livemode,
    created: Math.floor(event.createdAt.getTime() / 1000),
    data: { object: event.data },
  };
}

/** hex(HMAC-SHA256(secret, "<t>.<body>")) */
export function nativeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** `t=<unix>,v1=<sig>[,v1=<sig>...]`: one v1 per active secret while a rotation overlaps. */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${nativeSignature(s, timestamp, body)}`)].join(',');
}

export type VerifyResult =
  { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * For receivers: checks a `Juhe-Signature` header against the raw request body.
 * Accepts when any v1 matches any of `secrets` (so a receiver can hold the old and the
 * new secret during a rotation) and `t` is within `toleranceSec` of `now` (replays of an
 * old captured request are refused). Use the raw body bytes, not re-serialized JSON.
 */
export function verifyJuheSignature(
  header: string | undefined | null,
  body: string | Buffer,
  secrets: string | readonly string[],
  now: Date = new Date(),
  toleranceSec = DEFAULT_TOLERANCE_SEC,
): VerifyResult {
  if (!header) return { ok: false, reason: 'malformed' };
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === null || signatures.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSec) return { ok: false, reason: 'stale' };
  const text = typeof body === 'string' ? body : body.toString('utf8');
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    const expected = Buffer.from(nativeSignature(secret, timestamp, text), 'hex');
    for (const given of signatures) {
      if (timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { ok: true, timestamp };
    }
  }
  return { ok: false, reason: 'mismatch' };
}

/**
 * Native webhooks: POST of the event as JSON, signed with the endpoint's secret(s).
 * Any 2xx acknowledges. Retries after 1m, 5m, 30m, 2h, 5h, 10h, 10h, 24h, 24h: ten
 * attempts over about three days, so a receiver down for a weekend night still gets it.
 */
export const nativeFormat: NotifyFormat = {
  name: 'native',
  defaultSchedule: {
    kind: 'delays',
    delaysMs: [
      MINUTE,
      5 * MINUTE,
      30 * MINUTE,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      10 * HOUR,
      24 * HOUR,
      24 * HOUR,
    ],
  },
  eventTypes: EVENT_TYPES,
  async build({ event, target, notificationId, now }) {
    const body = JSON.stringify(nativeEventBody(event));
    const t = Math.floor(now.getTime() / 1000);
    return {
      method: 'POST',
      url: target.url,
      headers: {
        ...target.headers,
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Juhe-Webhooks/1.0',
        'juhe-event-id': event.id,
        'juhe-notification-id': notificationId,
        'juhe-signature': signatureHeader(target.secrets, t, body),
      },
      body,
    };
  },
  isSuccess: (status) => status >= 200 && status < 300,
};
