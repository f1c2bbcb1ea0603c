/** Paymax's Charge reports what reconciliation settled: amount_settle in yuan and time_settle in ms. */
import { describe, expect, it } from 'vitest';
import { toCharge } from '../../src/db/charges.js';
import { chargeObject } from '../../src/dialects/paymax/objects.js';

const row = {
  id: 'ch_7c086ea634c088905f8767c4', app_id: 'app_x', store_id: null, livemode: false, dialect: 'paymax',
  order_no: 'o-1', attempt: 1, order_sn: '2026030108000012345678', channel: 'wechatpay', method: 'qr',
  amount: 1000, amount_original: null, amount_discount: 0, amount_ignore: 0, amount_refunded: 0, currency: 'CNY',
  subject: 'Tea', body: null, description: null, client_ip: null, extra: {}, metadata: {}, credential: null,
  status: 'succeeded', transaction_no: '4200000001', failure_code: null, failure_msg: null, return_url: null,
  notify_url: null, created_at: new Date('2026-03-01T02:00:00Z'), updated_at: new Date('2026-03-01T02:00:00Z'),
  expires_at: new Date('2026-03-01T04:00:00Z'), paid_at: new Date('2026-03-01T02:00:05Z'), closed_at: null,
}; // prettier-ignore
const options = { appKey: 'app_key', refunds: [], publicUrl: 'http://127.0.0.1' };

describe('Paymax settlement fields', () => {
  it('are 0 and null before a statement settled the charge', () => {
    const c = toCharge({ ...row, fee: null, amount_settle: null, time_settle: null, statement_id: null });
    expect(chargeObject(c, options)).toMatchObject({ amount_settle: 0, time_settle: null });
  });

  it("carry the statement's settlement once reconciled: 10.00 less a 0.06 fee", () => {
    const settled = new Date('2026-03-01T02:00:05Z');
    const c = toCharge({
      ...row,
      fee: 6,
      amount_settle: 994,
      time_settle: settled,
      statement_id: 'wechatpay:x',
    });
    expect(chargeObject(c, options)).toMatchObject({ amount_settle: 9.94, time_settle: settled.getTime() });
  });
});
