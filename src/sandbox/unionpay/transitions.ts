import { randomBytes } from 'node:crypto';
import { parseChinaStamp } from '../../domain/china-time.js';
import type { DueWork } from '../_kit/due-work.js';
import type { AcpFields } from './acp.js';
import { RESP, refuse } from './codec.js';
import type { UnionpayNotices } from './notify.js';
import { type UnionpayParts, stamp21 } from './parts.js';
import {
  completeTxn,
  consumeByQueryId,
  dueRefunds,
  findTxn,
  insertTxn,
  refundedSum,
  type TxnRow,
} from './repository.js';

export interface PayerOutcome {
  ok: boolean;
  reason?: string;
  front?: AcpFields;
}

/**
 * The transaction state machine: a consume is opened (app tn or web form), paid or declined
 * by the payer; a refund is accepted (05) and settles on the business clock to 00 or, under
 * the refund_fail fault, 01. Only successful transactions are back-notified (ACP).
 */
export function unionpayTransitions(p: UnionpayParts, notices: UnionpayNotices, due: () => DueWork) {
  const { ctx, keys } = p;
  const now = () => ctx.clock.now();

  /** Opens a consume; an orderId already used is 12, unless an identical web form reopens it. */
  const openConsume = async (req: AcpFields, kind: 'app' | 'web'): Promise<TxnRow> => {
    const fingerprint = JSON.stringify([
      req.txnTime,
      req.txnAmt,
      req.backUrl,
      req.frontUrl ?? null,
      req.payTimeout ?? null,
      req.channelType,
    ]);
    const at = now();
    return ctx.db.tx(async (q) => {
      const existing = await findTxn(q, keys.merId, req.orderId, true);
      if (existing) {
        const reopen =
          kind === 'web' &&
          existing.txn_type === '01' &&
          existing.fingerprint === fingerprint &&
          existing.resp_code === null;
        return reopen ? existing : refuse(RESP.duplicate);
      }
      return insertTxn(q, {
        merId: keys.merId,
        orderId: req.orderId,
        txnTime: req.txnTime,
        txnType: '01',
        channelType: req.channelType,
        txnAmt: Number(req.txnAmt),
        backUrl: req.backUrl,
        frontUrl: req.frontUrl ?? null,
        payTimeout: req.payTimeout ? parseChinaStamp(req.payTimeout) : null,
        tn: kind === 'app' ? stamp21(at) : null,
        payCode: randomBytes(12).toString('hex'),
        fingerprint,
        now: at,
      });
    });
  };

  /** Accepts a refund (05) of a paid consume, within what is left to refund. */
  const acceptRefund = async (req: AcpFields): Promise<TxnRow> => {
    const abnormal = p.faults.take('refund_fail');
    const at = now();
    return ctx.db.tx(async (q) => {
      if (await findTxn(q, keys.merId, req.orderId, true)) refuse(RESP.duplicate);
      const orig = await consumeByQueryId(q, keys.merId, req.origQryId);
      if (!orig || orig.resp_code !== '00') refuse(RESP.origState);
      if ((await refundedSum(q, req.origQryId)) + Number(req.txnAmt) > Number(orig!.txn_amt))
        refuse(RESP.origMismatch);
      return insertTxn(q, {
        merId: keys.merId,
        orderId: req.orderId,
        txnTime: req.txnTime,
        txnType: '04',
        channelType: req.channelType,
        txnAmt: Number(req.txnAmt),
        backUrl: req.backUrl,
        fingerprint: '',
        respCode: RESP.accepted[0],
        respMsg: RESP.accepted[1],
        queryId: stamp21(at),
        origQryId: req.origQryId,
        outcome: abnormal ? RESP.failed[0] : RESP.ok[0],
        settleAt: new Date(at.getTime() + p.refundSettleMs),
        now: at,
      });
    });
  };

  const settleRefunds = async () => {
    for (const orderId of await dueRefunds(ctx.db, now())) {
      await ctx.db.tx(async (q) => {
        const r = await findTxn(q, keys.merId, orderId, true);
        if (!r || r.resp_code !== '05') return;
        const ok = r.outcome === RESP.ok[0];
        const [respCode, respMsg] = ok ? RESP.ok : RESP.failed;
        const settled = await completeTxn(q, { merId: r.mer_id, orderId, respCode, respMsg, now: now() });
        // Only successful transactions are notified (ACP); a failed refund is found by query.
        if (ok && settled.back_url) await notices.queue(q, settled, notices.fieldsOf(settled));
      });
    }
  };

  /** The payer pays or declines a consume, as on the cashier page. */
  const payerAct = async (orderId: string, action: 'pay' | 'decline'): Promise<PayerOutcome> => {
    const at = now();
    const outcome = await ctx.db.tx(async (q) => {
      const txn = await findTxn(q, keys.merId, orderId, true);
      if (!txn || txn.txn_type !== '01') return { ok: false, reason: '订单不存在' };
      if (txn.resp_code !== null)
        return { ok: false, reason: txn.resp_code === '00' ? '订单已支付' : '订单已失败' };
      if (txn.pay_timeout && at.getTime() > new Date(txn.pay_timeout).getTime())
        return { ok: false, reason: '订单已超时' };
      const [respCode, respMsg] = action === 'pay' ? RESP.ok : RESP.failed;
      const done = await completeTxn(q, {
        merId: txn.mer_id,
        orderId,
        respCode,
        respMsg,
        queryId: stamp21(at),
        now: at,
      });
      const fields = notices.fieldsOf(done);
      // Only a successful consume gets a back notification; the front notification goes either way.
      const noticeId = action === 'pay' && done.back_url ? await notices.queue(q, done, fields) : undefined;
      return { ok: true, noticeId, front: done.front_url ? fields : undefined };
    });
    if (outcome.ok && 'noticeId' in outcome && outcome.noticeId) {
      await notices.deliverIfDue(outcome.noticeId);
      await due().settled();
    }
    return {
      ok: outcome.ok,
      ...('reason' in outcome ? { reason: outcome.reason } : {}),
      ...('front' in outcome && outcome.front ? { front: outcome.front } : {}),
    };
  };

  return { openConsume, acceptRefund, settleRefunds, payerAct };
}
export type UnionpayTransitions = ReturnType<typeof unionpayTransitions>;
