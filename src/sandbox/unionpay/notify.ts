import { randomInt, randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/db.js';
import { chinaStamp } from '../../domain/china-time.js';
import { noticeDelivery, type OwedNotice } from '../_kit/notice-delivery.js';
import { queueUnderFaults } from '../_kit/notice-faults.js';
import { reachMerchant } from '../_kit/reach.js';
import { ACP_VERSION, type AcpFields, encodeForm } from './acp.js';
import type { UnionpayParts } from './parts.js';
import { insertNotice, type TxnRow } from './repository.js';

/**
 * Back notification retries after a failed attempt (no HTTP 200): 1, 2, 4, 8, 16 minutes,
 * then UnionPay gives up (six attempts in all). An assumption: ACP only says it resends at
 * increasing intervals (see src/channels/unionpay/README.md).
 */
export const NOTICE_RETRY_SCHEDULE_MS = [60e3, 120e3, 240e3, 480e3, 960e3];

interface NoticeRow extends OwedNotice {
  order_id: string;
  back_url: string;
  fields: string;
}

export type UnionpayNotices = ReturnType<typeof unionpayNotices>;

/** Back notifications: queued in the state's transaction, delivered on the schedule. */
export function unionpayNotices(p: UnionpayParts) {
  const { ctx, faults } = p;

  /** The signed fields of a transaction's notification (also the front notification's). */
  const fieldsOf = (txn: TxnRow): AcpFields => {
    const stamp = chinaStamp(ctx.clock.now());
    return p.signer.sign({
      version: ACP_VERSION,
      encoding: 'UTF-8',
      txnType: txn.txn_type,
      txnSubType: txn.txn_type === '01' ? '01' : '00',
      bizType: '000201',
      accessType: '0',
      merId: txn.mer_id,
      orderId: txn.order_id,
      txnTime: txn.txn_time,
      txnAmt: String(txn.txn_amt),
      currencyCode: '156',
      queryId: txn.query_id ?? '',
      respCode: txn.resp_code ?? '',
      respMsg: txn.resp_msg ?? '',
      settleAmt: String(txn.txn_amt),
      settleCurrencyCode: '156',
      settleDate: stamp.slice(4, 8),
      traceNo: String(randomInt(0, 1e6)).padStart(6, '0'),
      traceTime: stamp.slice(4),
      ...(txn.orig_qry_id ? { origQryId: txn.orig_qry_id } : {}),
    });
  };

  const queue = async (q: Queryable, txn: TxnRow, fields: AcpFields): Promise<string> => {
    const now = ctx.clock.now();
    const id = randomUUID();
    await queueUnderFaults(q, {
      table: 'upsim_notices',
      faults,
      now,
      insert: ({ status, nextAt, flags }) =>
        insertNotice(q, {
          id,
          merId: txn.mer_id,
          orderId: txn.order_id,
          backUrl: txn.back_url!,
          fields: JSON.stringify(fields),
          status,
          nextAt,
          flags,
          now,
        }),
    });
    return id;
  };

  const post = async (url: string, body: string): Promise<number | null> => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' };
    const answer = await reachMerchant({ method: 'POST', url, headers, body, timeoutMs: 5000 });
    return answer?.status ?? null;
  };

  /** One attempt of a claimed notice (UnionPay takes HTTP 200 only); the kit reschedules it on failure. */
  const delivery = noticeDelivery<NoticeRow>(ctx, {
    table: 'upsim_notices',
    retryScheduleMs: NOTICE_RETRY_SCHEDULE_MS,
    send: async (n, number, flags) => {
      const fields = JSON.parse(n.fields) as AcpFields;
      const forge = !!flags.forge;
      const { signature: _s, signPubKeyCert: _c, ...unsigned } = fields;
      const sent = forge ? p.signer.sign(unsigned, true) : fields;
      const record = (status: number | null, forged: boolean) =>
        p.deliveries.push({
          noticeId: n.id,
          orderId: n.order_id,
          txnType: fields.txnType,
          attempt: number,
          status,
          forged,
        });
      const status = await post(n.back_url, encodeForm(sent));
      record(status, forge);
      if (flags.duplicate) record(await post(n.back_url, encodeForm(fields)), false);
      return { status, ok: status === 200 };
    },
  });

  return { fieldsOf, queue, deliverDue: delivery.deliverDue, deliverIfDue: delivery.deliverIfDue };
}
