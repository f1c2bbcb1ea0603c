import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/db.js';
import { chinaRfc3339 } from '../../domain/china-time.js';
import { type NoticeDelivery, noticeDelivery, type OwedNotice } from '../_kit/notice-delivery.js';
import { queueUnderFaults } from '../_kit/notice-faults.js';
import { reachMerchant } from '../_kit/reach.js';
import type { WxSim } from './context.js';
import { insertCallback } from './repository.js';
import { encryptResource, nonce, signatureMessage, signSha256Rsa, V3_SCHEME, wallSeconds } from './sign.js';

/** WeChat's callback retry intervals after each failed attempt (24h4m in all). */
export const CALLBACK_RETRY_SCHEDULE_MS = [
  15e3, 15e3, 30e3, 180e3, 600e3, 1200e3, 1800e3, 1800e3, 1800e3, 3600e3, 10800e3, 10800e3, 10800e3, 21600e3,
  21600e3,
];

interface CallbackRow extends OwedNotice {
  mchid: string;
  event_type: string;
  notify_url: string;
  body: string;
  status: string;
}

const SUMMARY: Record<string, string> = {
  'TRANSACTION.SUCCESS': '支付成功',
  'REFUND.SUCCESS': '退款成功',
  'REFUND.ABNORMAL': '退款异常',
};

/**
 * Queues a callback in the transaction of the state it reports: the resource encrypted
 * with the API v3 key (AEAD_AES_256_GCM, associated data = the resource type), placed
 * under the notification faults. Answers its id.
 */
export async function queueCallback(
  sim: WxSim,
  q: Queryable,
  o: {
    mchid: string;
    eventType: string;
    resourceType: 'transaction' | 'refund';
    resource: Record<string, unknown>;
    notifyUrl: string;
  },
): Promise<string> {
  const now = sim.ctx.clock.now();
  const iv = nonce(12);
  const id = randomUUID();
  const body = JSON.stringify({
    id,
    create_time: chinaRfc3339(now),
    resource_type: 'encrypt-resource',
    event_type: o.eventType,
    summary: SUMMARY[o.eventType] ?? '',
    resource: {
      original_type: o.resourceType,
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: encryptResource(JSON.stringify(o.resource), sim.keys.merchant.apiV3Key, iv, o.resourceType),
      associated_data: o.resourceType,
      nonce: iv,
    },
  });
  await queueUnderFaults(q, {
    table: 'wxsim_callbacks',
    faults: sim.faults,
    now,
    insert: ({ status, nextAt, flags }) =>
      insertCallback(q, {
        id,
        mchid: o.mchid,
        event_type: o.eventType,
        notify_url: o.notifyUrl,
        body,
        status,
        next_at: nextAt,
        flags,
        created_at: now,
      }),
  });
  return id;
}

/** The platform's signature headers over a callback body (a foreign key's when forged). */
function signedHeaders(sim: WxSim, body: string, forged: boolean): Record<string, string> {
  const ts = String(wallSeconds());
  const n = nonce(32);
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'Mozilla/4.0',
    'Wechatpay-Nonce': n,
    'Wechatpay-Timestamp': ts,
    'Wechatpay-Serial': sim.keys.platform.serial,
    'Wechatpay-Signature-Type': V3_SCHEME,
    'Wechatpay-Signature': signSha256Rsa(
      signatureMessage(ts, n, body),
      forged ? sim.forgeKey() : sim.platformKey,
    ),
  };
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<number | null> {
  const answer = await reachMerchant({ method: 'POST', url, headers, body, timeoutMs: 5000 });
  return answer?.status ?? null;
}

/** Delivers owed callbacks: one attempt each (WeChat takes 200 or 204), the kit reschedules on failure. */
export function callbackDelivery(sim: WxSim): NoticeDelivery {
  return noticeDelivery<CallbackRow>(sim.ctx, {
    table: 'wxsim_callbacks',
    retryScheduleMs: CALLBACK_RETRY_SCHEDULE_MS,
    send: async (cb, attempt, flags) => {
      const forged = !!flags.forge;
      const status = await post(cb.notify_url, cb.body, signedHeaders(sim, cb.body, forged));
      sim.deliveries.push({ callbackId: cb.id, eventType: cb.event_type, attempt, status, forged });
      if (flags.duplicate) {
        const again = await post(cb.notify_url, cb.body, signedHeaders(sim, cb.body, false));
        sim.deliveries.push({
          callbackId: cb.id,
          eventType: cb.event_type,
          attempt,
          status: again,
          forged: false,
        });
      }
      return { status, ok: status === 200 || status === 204 };
    },
  });
}
