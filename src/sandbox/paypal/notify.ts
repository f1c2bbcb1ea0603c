import { type KeyObject, createPrivateKey, randomUUID } from 'node:crypto';
import { foreignKey } from '../_kit/foreign-key.js';
import {
  type AttemptOutcome,
  type NoticeDelivery,
  type NoticeFlags,
  noticeDelivery,
  type OwedNotice,
} from '../_kit/notice-delivery.js';
import { queueUnderFaults } from '../_kit/notice-faults.js';
import { reachMerchant } from '../_kit/reach.js';
import { paypalTime } from './codec.js';
import { insertWebhook } from './repository.js';
import { signedMessage, signMessage, WEBHOOK_AUTH_ALGO } from './sign.js';
import type { SandboxContext } from '../_kit/context.js';
import type { Queryable } from '../../db/db.js';
import type { PaypalFaults } from './faults.js';
import { type PaypalSandboxKeys, paypalId } from './keys.js';

/**
 * Intervals after each failed webhook attempt: 24 retries, 25 attempts in all over
 * 2 days 21 hours (PayPal: "up to 25 times over 3 days"; its exact intervals are not
 * published, these are ours).
 */
export const WEBHOOK_RETRY_SCHEDULE_MS = [
  60e3, 120e3, 240e3, 480e3, 900e3, 1800e3, 3600e3, 3600e3, 7200e3, 7200e3, 10800e3, 10800e3, 10800e3,
  10800e3, 18000e3, 18000e3, 18000e3, 18000e3, 18000e3, 18000e3, 18000e3, 18000e3, 18000e3, 18000e3,
];

export interface PaypalDelivery {
  webhookId: string;
  eventType: string;
  attempt: number;
  status: number | null;
  forged: boolean;
}

interface WebhookRow extends OwedNotice {
  event_type: string;
  url: string;
  body: string;
}

export interface OutboxOptions {
  ctx: SandboxContext;
  keys: PaypalSandboxKeys;
  faults: PaypalFaults;
  /** The simulator's base URL (`<public url>/sandbox/paypal`). */
  base: () => string;
}

/**
 * PayPal's webhooks to the gateway: queued in the transaction that changed the state,
 * delivered after the API answer, signed per attempt (fresh transmission id and time),
 * retried on WEBHOOK_RETRY_SCHEDULE_MS on the business clock; the webhook faults (delay,
 * duplicate, reorder, drop, forge) apply here. Also the payer's browser's way to the gateway.
 */
export class WebhookOutbox {
  /** Every delivery attempt made, in order (tests and the admin API). */
  readonly deliveries: PaypalDelivery[] = [];
  private readonly signingKey: KeyObject;
  private readonly forgeKey = foreignKey();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly delivery: NoticeDelivery;

  constructor(private readonly o: OutboxOptions) {
    this.signingKey = createPrivateKey(o.keys.signing.privateKeyPem);
    this.delivery = noticeDelivery<WebhookRow>(o.ctx, {
      table: 'ppsim_webhooks',
      retryScheduleMs: WEBHOOK_RETRY_SCHEDULE_MS,
      send: (w, number, flags) => this.send(w, number, flags),
    });
  }

  certUrl(): string {
    return `${this.o.base()}/v1/notifications/certs/${this.o.keys.signing.certId}`;
  }

  /** The webhook subscribed for the simulator's default app. */
  webhookUrl(): string {
    return `${this.o.ctx.publicUrl.replace(/\/+$/, '')}/notify/paypal/sandbox`;
  }

  async queue(
    q: Queryable,
    eventType: string,
    resourceType: 'capture' | 'refund' | 'checkout-order',
    resource: Record<string, unknown>,
    summary: string,
  ): Promise<string> {
    const now = this.o.ctx.clock.now();
    const id = `WH-${paypalId(17)}-${paypalId(17)}`;
    const base = this.o.base();
    const body = JSON.stringify({
      id,
      event_version: '1.0',
      create_time: paypalTime(now),
      resource_type: resourceType,
      resource_version: '2.0',
      event_type: eventType,
      summary,
      resource,
      links: [
        { href: `${base}/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET' },
        { href: `${base}/v1/notifications/webhooks-events/${id}/resend`, rel: 'resend', method: 'POST' },
      ],
    });
    await queueUnderFaults(q, {
      table: 'ppsim_webhooks',
      faults: this.o.faults,
      now,
      insert: ({ status, nextAt, flags }) =>
        insertWebhook(q, {
          id,
          event_type: eventType,
          url: this.webhookUrl(),
          body,
          status,
          next_at: nextAt,
          flags,
          created_at: now,
        }),
    });
    return id;
  }

  /**
   * One HTTP request to the gateway, behind the notify SSRF guard. The status, or null
   * when nothing answered.
   */
  async reach(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<number | null> {
    const answer = await reachMerchant({
      method,
      url,
      headers,
      body,
      timeoutMs: 10_000,
    });
    return answer?.status ?? null;
  }

  /** PAYPAL-* headers for one delivery attempt, signed when it is sent. */
  private signedHeaders(body: string, forged: boolean): Record<string, string> {
    const transmissionId = randomUUID();
    const transmissionTime = paypalTime(new Date());
    const signer = forged ? this.forgeKey() : this.signingKey;
    const message = signedMessage(transmissionId, transmissionTime, this.o.keys.webhookId, body);
    return {
      'content-type': 'application/json',
      'user-agent': 'PayPal/AUHD-214.0-58844304',
      'paypal-transmission-id': transmissionId,
      'paypal-transmission-time': transmissionTime,
      'paypal-transmission-sig': signMessage(message, signer),
      'paypal-cert-url': this.certUrl(),
      'paypal-auth-algo': WEBHOOK_AUTH_ALGO,
    };
  }

  /** One attempt of a claimed webhook (PayPal takes any 2xx); the kit reschedules it when not acknowledged. */
  private async send(w: WebhookRow, number: number, flags: NoticeFlags): Promise<AttemptOutcome> {
    const forged = !!flags.forge;
    const status = await this.reach('POST', w.url, this.signedHeaders(w.body, forged), w.body);
    this.deliveries.push({ webhookId: w.id, eventType: w.event_type, attempt: number, status, forged });
    if (flags.duplicate) {
      const again = await this.reach('POST', w.url, this.signedHeaders(w.body, false), w.body);
      this.deliveries.push({
        webhookId: w.id,
        eventType: w.event_type,
        attempt: number,
        status: again,
        forged: false,
      });
    }
    return { status, ok: status !== null && status >= 200 && status < 300 };
  }

  /** Claims the webhook if it is due (so two runs never send one attempt twice) and sends it. */
  deliverIfDue(id: string): Promise<void> {
    return this.delivery.deliverIfDue(id);
  }

  /** Webhooks owed by an API call go out after its answer, as PayPal's do. */
  deliverSoon(id: string): void {
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.deliverIfDue(id))
      .catch((err) => this.o.ctx.log.warn({ err }, 'paypal simulator: webhook delivery failed'))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Every due webhook, oldest first. */
  deliverDue(): Promise<void> {
    return this.delivery.deliverDue();
  }

  /** Waits for deliveries in flight, and those their answers set off in turn. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
