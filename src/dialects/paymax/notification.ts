import { getAppCredential } from '../../core/apps/credentials.js';
import { listChargeRefunds, retrieveCharge, retrieveRefund } from '../../core/payments/retrieve-charge.js';
import { chargeObject, refundObject } from './objects.js';
import { signSha1WithRsa } from './signature.js';
import type { NotifyFormat } from '../../deliveries/format.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/**
 * Paymax webhooks, as the real service sent them (specs/samples/paymax-webhook/):
 *
 *   POST <endpoint>
 *   Content-Type: application/json;charset=UTF-8
 *   Sign: base64(SHA1withRSA(<raw body bytes>, the app's platform private key))
 *
 *   {"data": <Charge or Refund object>, "notifyNo": "evt_...", "timeCreated": <ms>,
 *    "type": "CHARGE" | "REFUND"}
 *
 * `data` is the same object the API answers (dialects/paymax/objects.ts), built from the
 * current database state so it is complete (refund list, amount_refunded). `notifyNo` is
 * the event id: stable across retries and across endpoints, so a receiver deduplicates on
 * it. `timeCreated` is when the event happened. The receiver's SDK verifies `Sign` with
 * the platform public key and answers HTTP 200.
 *
 * Events: the charge's end states (SUCCEED, and FAILED for declined, expired or canceled
 * charges: the captured failed.json is such a FAILED "TimeOut" charge notification) and
 * every refund status change (refund.succeeded, refund.failed).
 */
export const PAYMAX_EVENT_TYPES = [
  'charge.succeeded',
  'charge.failed',
  'charge.closed',
  'charge.canceled',
  'refund.succeeded',
  'refund.failed',
] as const;

export const paymaxFormat: NotifyFormat = {
  name: 'paymax',
  // 15 s, 30 s, 1 m, 2 m ... doubling up to every 4 h, for 3 days.
  defaultSchedule: { kind: 'exponential', baseMs: 15 * SECOND, capMs: 4 * HOUR, maxElapsedMs: 3 * DAY },
  eventTypes: PAYMAX_EVENT_TYPES,

  async build({ q, core, event, target }) {
    if (!(PAYMAX_EVENT_TYPES as readonly string[]).includes(event.type) || !event.appId) return null;

    let type: 'CHARGE' | 'REFUND';
    let data: Record<string, unknown>;
    if (event.objectType === 'charge') {
      const charge = await retrieveCharge(core, event.objectId);
      if (!charge) return null;
      const refunds = await listChargeRefunds(core, charge.id);
      const appKey = await appKeyOf(q, core.box, charge.appId, charge.livemode);
      data = chargeObject(charge, { appKey, refunds, publicUrl: core.publicUrl });
      type = 'CHARGE';
    } else if (event.objectType === 'refund') {
      const refund = await retrieveRefund(core, event.objectId);
      const charge = refund && (await retrieveCharge(core, refund.chargeId));
      if (!refund || !charge) return null;
      data = refundObject(refund, { charge, publicUrl: core.publicUrl });
      type = 'REFUND';
    } else {
      return null;
    }

    const platform = await getAppCredential(q, core.box, event.appId, 'platform', event.livemode);
    if (!platform) throw new Error(`app ${event.appId} has no platform signing key for paymax webhooks`);
    const body = JSON.stringify({ data, notifyNo: event.id, timeCreated: event.createdAt.getTime(), type });
    return {
      method: 'POST',
      url: target.url,
      headers: {
        ...customHeaders(target.headers),
        // Spelled as the real service sent them (header names are case-insensitive anyway).
        'Content-Type': 'application/json;charset=UTF-8',
        Sign: signSha1WithRsa(body, platform.secrets.privateKeyPem),
      },
      body,
    };
  },

  isSuccess: (status) => status === 200,
};

/** An endpoint's custom headers, minus any that would clash with the two this format owns. */
function customHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !['content-type', 'sign'].includes(name.toLowerCase())),
  );
}

/** The app key merchants know the app by (Charge `app`); absent if the app has no paymax credential. */
async function appKeyOf(
  q: Parameters<typeof getAppCredential>[0],
  box: Parameters<typeof getAppCredential>[1],
  appId: string,
  livemode: boolean,
): Promise<string | null> {
  const credential = await getAppCredential(q, box, appId, 'paymax', livemode);
  return credential?.publicId ?? null;
}
