import { randomBytes } from 'node:crypto';
import { payerOpenid, STATE_DESC, transactionId, v2Fail, type V2Fields, v2Order } from './codec.js';
import type { WxSim } from './context.js';
import * as repo from './repository.js';

/**
 * The v2 (XML) transitions: micropay (付款码支付, paid at once or waiting for the payer's
 * password, idempotent by out_trade_no) and reverse (撤销). Fields are already verified.
 */

/**
 * Sandbox payer behaviour by auth code: 13... needs the payer's password (USERPAYING),
 * 14... has too little balance (NOTENOUGH), anything else pays at once.
 */
const behaviourOf = (authCode: string) =>
  authCode.startsWith('13') ? 'password' : authCode.startsWith('14') ? 'notenough' : 'pay';

export async function micropay(sim: WxSim, f: Record<string, string>): Promise<V2Fields> {
  for (const name of ['body', 'out_trade_no', 'total_fee', 'spbill_create_ip', 'auth_code']) {
    if (!f[name]) return v2Fail('PARAM_ERROR', `缺少参数${name}`);
  }
  if (!/^[0-9A-Za-z_\-|*@]{1,32}$/.test(f.out_trade_no))
    return v2Fail('PARAM_ERROR', 'out_trade_no参数格式错误');
  if (!/^[1-9]\d{0,15}$/.test(f.total_fee)) return v2Fail('PARAM_ERROR', 'total_fee参数格式错误');
  if (f.fee_type && f.fee_type !== 'CNY') return v2Fail('PARAM_ERROR', 'fee_type参数格式错误');
  if (!/^1[0-5]\d{16}$/.test(f.auth_code)) return v2Fail('AUTH_CODE_INVALID', '付款码无效，请重新扫码');
  const total = Number(f.total_fee);
  const fingerprint = JSON.stringify(['MICROPAY', f.appid, f.body, total, f.auth_code, f.attach ?? null]);
  const now = sim.ctx.clock.now();
  const behaviour = behaviourOf(f.auth_code);
  return sim.ctx.db.tx(async (q) => {
    const existing = await repo.findOrder(q, f.mch_id, { outTradeNo: f.out_trade_no }, true);
    if (existing) {
      if (existing.fingerprint !== fingerprint) return v2Fail('OUT_TRADE_NO_USED', '商户订单号重复');
      if (existing.trade_state === 'SUCCESS') return { result_code: 'SUCCESS', ...v2Order(existing) };
      if (existing.trade_state === 'USERPAYING') return v2Fail('USERPAYING', '需要用户输入支付密码');
      if (existing.trade_state === 'REVOKED') return v2Fail('ORDERREVERSED', '订单已撤销');
      return v2Fail('TRADE_ERROR', existing.trade_state_desc);
    }
    const state = behaviour === 'pay' ? 'SUCCESS' : behaviour === 'password' ? 'USERPAYING' : 'PAYERROR';
    const order = await repo.insertOrder(q, {
      mchid: f.mch_id,
      out_trade_no: f.out_trade_no,
      appid: f.appid,
      trade_type: 'MICROPAY',
      description: f.body,
      total,
      currency: 'CNY',
      payer_openid: payerOpenid(),
      attach: f.attach ?? null,
      fingerprint,
      trade_state: state,
      trade_state_desc: behaviour === 'notenough' ? '余额不足' : STATE_DESC[state],
      pay_code: randomBytes(12).toString('hex'),
      transaction_id: state === 'SUCCESS' ? transactionId(now) : null,
      success_time: state === 'SUCCESS' ? now : null,
      created_at: now,
      updated_at: now,
    });
    if (state === 'SUCCESS') return { result_code: 'SUCCESS', ...v2Order(order) };
    if (state === 'USERPAYING') return v2Fail('USERPAYING', '需要用户输入支付密码');
    return v2Fail('NOTENOUGH', '余额不足');
  });
}

export async function orderquery(sim: WxSim, f: Record<string, string>): Promise<V2Fields> {
  if (!f.out_trade_no && !f.transaction_id) return v2Fail('PARAM_ERROR', '缺少参数out_trade_no');
  const key = f.out_trade_no ? { outTradeNo: f.out_trade_no } : { transactionId: f.transaction_id };
  const order = await repo.findOrder(sim.ctx.db, f.mch_id, key);
  if (!order) return v2Fail('ORDERNOTEXIST', '此交易订单号不存在');
  const refunded = await repo.refundedSum(sim.ctx.db, order.mchid, order.out_trade_no, ['SUCCESS']);
  const state = order.trade_state === 'SUCCESS' && refunded > 0 ? 'REFUND' : order.trade_state;
  return {
    result_code: 'SUCCESS',
    trade_state: state,
    trade_state_desc: state === 'REFUND' ? STATE_DESC.REFUND : order.trade_state_desc,
    ...v2Order(order),
  };
}

export async function reverse(sim: WxSim, f: Record<string, string>): Promise<V2Fields> {
  if (!f.out_trade_no && !f.transaction_id) return v2Fail('PARAM_ERROR', '缺少参数out_trade_no');
  return sim.ctx.db.tx(async (q) => {
    const order = await repo.findOrderByEitherNo(q, f.mch_id, f.out_trade_no || f.transaction_id);
    if (!order) return v2Fail('ORDERNOTEXIST', '此交易订单号不存在');
    if (order.trade_type !== 'MICROPAY') return v2Fail('TRADE_ERROR', '非付款码支付订单不能撤销');
    await repo.updateOrder(q, order.mchid, order.out_trade_no, {
      trade_state: 'REVOKED',
      trade_state_desc: STATE_DESC.REVOKED,
      updated_at: sim.ctx.clock.now(),
    });
    return { result_code: 'SUCCESS', recall: 'N' };
  });
}
