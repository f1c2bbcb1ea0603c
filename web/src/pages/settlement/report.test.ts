import { describe, expect, it } from 'vitest';
import { groupBy, totals, type ReportLine } from './report';

const line = (p: Partial<ReportLine>): ReportLine => ({
  period: '2026-12-01',
  app_id: 'app_1',
  store_id: null,
  channel: 'alipay',
  charges: 1,
  gross: 1000,
  refunds: 0,
  refunded: 0,
  fees: 6,
  net: 994,
  ...p,
});

describe('settlement report sums', () => {
  const lines = [
    line({}),
    line({ channel: 'wechatpay', gross: 2001, fees: 12, net: 1989 }),
    line({ period: '2026-12-02', refunds: 1, refunded: 500, fees: 3, net: 497 }),
    line({ channel: 'paypal', gross: 990, fees: 30, net: 960 }),
  ];

  it('groups by a dimension per currency, exactly', () => {
    expect(groupBy(lines, 'period')).toEqual([
      {
        key: '2026-12-01',
        currency: 'CNY',
        charges: 2,
        gross: 3001,
        refunds: 0,
        refunded: 0,
        fees: 18,
        net: 2983,
      },
      {
        key: '2026-12-01',
        currency: 'USD',
        charges: 1,
        gross: 990,
        refunds: 0,
        refunded: 0,
        fees: 30,
        net: 960,
      },
      {
        key: '2026-12-02',
        currency: 'CNY',
        charges: 1,
        gross: 1000,
        refunds: 1,
        refunded: 500,
        fees: 3,
        net: 497,
      },
    ]);
    expect(groupBy(lines, 'store_id').map((g) => g.key)).toEqual(['', '']);
  });

  it('totals per currency', () => {
    expect(totals(lines).get('CNY')).toEqual({
      charges: 3,
      gross: 4001,
      refunds: 1,
      refunded: 500,
      fees: 21,
      net: 3480,
    });
    expect(totals(lines).get('USD')?.net).toBe(960);
  });
});
