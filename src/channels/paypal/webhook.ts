import { type PaypalMerchant, PaypalTransportError, certUrlAllowed, paypalApi, send } from './client.js';
import {
  WEBHOOK_AUTH_ALGO,
  certificateValidAt,
  verifyWebhookSignature,
  webhookSignedMessage,
} from './protocol.js';

export interface WebhookHeaders {
  transmissionId?: string;
  transmissionTime?: string;
  transmissionSig?: string;
  certUrl?: string;
  authAlgo?: string;
}

export interface WebhookEvent {
  /** PAYPAL-TRANSMISSION-ID: accepted once (the caller keeps it, see parse-notification.ts). */
  transmissionId: string;
  id: string;
  eventType: string;
  resourceType: string;
  resource: Record<string, any>;
}

/** Why a webhook was refused, and the status we answer (PayPal retries anything but 2xx). */
export class WebhookRejected extends Error {
  constructor(
    readonly status: 400 | 401 | 503,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A delivery is accepted only within this distance of our wall clock: a captured genuine
 * delivery replayed later is refused. Each PayPal delivery attempt (retries included) is
 * signed when it is sent, so a genuine retry is always fresh (assumption, see README).
 */
export const MAX_TRANSMISSION_SKEW_MS = 10 * 60 * 1000;

const certCache = new Map<string, string>();
const CERT_CACHE_LIMIT = 32;

/** The certificate at an allow-listed PAYPAL-CERT-URL, fetched once and cached by URL. */
async function certificateAt(m: PaypalMerchant, url: string): Promise<string> {
  const cached = certCache.get(url);
  if (cached) return cached;
  let answer;
  try {
    answer = await send(m, { method: 'GET', url, headers: { accept: 'application/x-pem-file, */*' } });
  } catch (error) {
    if (error instanceof PaypalTransportError)
      throw new WebhookRejected(503, 'certificate could not be fetched');
    throw error;
  }
  if (answer.status !== 200 || !answer.text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new WebhookRejected(401, `certificate URL answered HTTP ${answer.status}`);
  }
  if (certCache.size >= CERT_CACHE_LIMIT) certCache.delete(certCache.keys().next().value!);
  certCache.set(url, answer.text);
  return answer.text;
}

/** Forgets cached certificates (tests; a rotated simulator key). */
export function forgetPaypalCertificates(): void {
  certCache.clear();
}

/**
 * Verifies a PayPal webhook delivery and parses its event. Offline (default): all five
 * PAYPAL-* headers, SHA256withRSA, a fresh transmission time, the certificate from an
 * allow-listed URL and valid now, and the signature over
 * `<transmission id>|<transmission time>|<webhook id>|<crc32(raw body)>`. Postback: the
 * same headers and body sent to POST /v1/notifications/verify-webhook-signature. The
 * transmission id it returns is to be accepted once, which takes our tables: the caller's job.
 */
export async function openWebhook(
  m: PaypalMerchant,
  rawBody: string,
  headers: WebhookHeaders,
  now = new Date(),
): Promise<WebhookEvent> {
  const { transmissionId, transmissionTime, transmissionSig, certUrl, authAlgo } = headers;
  if (!transmissionId || !transmissionTime || !transmissionSig || !certUrl || !authAlgo) {
    throw new WebhookRejected(401, 'missing PAYPAL-TRANSMISSION-ID, -TIME, -SIG, -CERT-URL or -AUTH-ALGO');
  }
  if (authAlgo !== WEBHOOK_AUTH_ALGO)
    throw new WebhookRejected(401, `unsupported auth algorithm ${authAlgo}`);
  const sentAt = Date.parse(transmissionTime);
  if (!/^\d{4}-\d\d-\d\dT/.test(transmissionTime) || Number.isNaN(sentAt)) {
    throw new WebhookRejected(401, 'PAYPAL-TRANSMISSION-TIME is not a date-time');
  }
  if (Math.abs(now.getTime() - sentAt) > MAX_TRANSMISSION_SKEW_MS) {
    throw new WebhookRejected(401, 'PAYPAL-TRANSMISSION-TIME outside the allowed window');
  }
  if (!certUrlAllowed(m, certUrl))
    throw new WebhookRejected(401, 'PAYPAL-CERT-URL is not an allowed PayPal URL');

  let event: any;
  try {
    event = JSON.parse(rawBody);
  } catch {
    event = undefined;
  }
  if (m.verification === 'postback') {
    if (!event) throw new WebhookRejected(400, 'body is not JSON');
    let answer;
    try {
      answer = await paypalApi(m, 'POST', '/v1/notifications/verify-webhook-signature', {
        body: {
          auth_algo: authAlgo,
          cert_url: certUrl,
          transmission_id: transmissionId,
          transmission_sig: transmissionSig,
          transmission_time: transmissionTime,
          webhook_id: m.webhookId,
          webhook_event: event,
        },
      });
    } catch {
      throw new WebhookRejected(503, 'verify-webhook-signature could not be reached');
    }
    if (answer.status >= 500)
      throw new WebhookRejected(503, `verify-webhook-signature answered HTTP ${answer.status}`);
    if (answer.json?.verification_status !== 'SUCCESS')
      throw new WebhookRejected(401, 'PayPal did not verify the signature');
  } else {
    const certificate = await certificateAt(m, certUrl);
    if (!certificateValidAt(certificate, now)) throw new WebhookRejected(401, 'certificate is not valid now');
    const message = webhookSignedMessage(transmissionId, transmissionTime, m.webhookId, rawBody);
    if (!verifyWebhookSignature(message, transmissionSig, certificate)) {
      throw new WebhookRejected(401, 'signature does not verify');
    }
    if (!event) throw new WebhookRejected(400, 'body is not JSON');
  }
  if (
    typeof event?.id !== 'string' ||
    typeof event?.event_type !== 'string' ||
    !event.resource ||
    typeof event.resource !== 'object'
  ) {
    throw new WebhookRejected(400, 'malformed webhook event');
  }
  return {
    transmissionId,
    id: event.id,
    eventType: event.event_type,
    resourceType: String(event.resource_type ?? ''),
    resource: event.resource,
  };
}
