import { describe, expect, it } from 'vitest';
import { maxpayMsgFor, toMaxpayError } from '../../src/dialects/maxpay/errors.js';
import { toPaymaxError } from '../../src/dialects/paymax/errors.js';
import { fromCore } from '../../src/dialects/store/errors.js';
import { toUnifiedError } from '../../src/dialects/unified/errors.js';
import { JuheError } from '../../src/domain/errors.js';
import { toNativeError } from '../../src/http/errors.js';

/** A database that cannot answer, as every API answers it: a retryable "system busy, try again". */
describe('database_unavailable in every dialect', () => {
  const error = () => new JuheError('database_unavailable');

  it('native admin API: HTTP 503 database_unavailable, also for a raw driver error', () => {
    expect(toNativeError(error()).status).toBe(503);
    const raw = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    expect(toNativeError(raw).code).toBe('database_unavailable');
    expect(toNativeError(new Error('Connection terminated unexpectedly')).status).toBe(503);
  });

  it('maxpay: RUN_TIME_ERROR (14) in an HTTP 200 body, as its PHP client requires', () => {
    expect(maxpayMsgFor('database_unavailable')).toBe('RUN_TIME_ERROR');
    expect(toMaxpayError(error()).body.code).toBe(14);
  });

  it('paymax: HTTP 503 SYSTEM_ERROR without detail', () => {
    const mapped = toPaymaxError(error());
    expect(mapped.status).toBe(503);
    expect(mapped.toJSON()).toEqual({ failure_code: 'SYSTEM_ERROR', failure_msg: '系统内部错误' });
  });

  it('store: errcode 500 系统繁忙，请稍后重试 on every endpoint', () => {
    for (const endpoint of [
      'paylist',
      'order',
      'order/view',
      'payorder',
      'paystatus',
      'paycancel',
      'payrefund',
    ] as const) {
      const mapped = fromCore(error(), endpoint);
      expect(mapped?.errcode).toBe(500);
      expect(mapped?.message.startsWith('系统繁忙，请稍后重试')).toBe(true);
    }
  });

  it('unified: HTTP 503 errcode 99998 服务暂不可用，请稍后再试', () => {
    expect(toUnifiedError(error())).toEqual({
      status: 503,
      body: { errcode: '99998', errormsg: '服务暂不可用，请稍后再试', obj: null },
    });
  });
});
