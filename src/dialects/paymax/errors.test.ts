import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type ErrorCode, JuheError } from '../../domain/errors.js';
import { PaymaxError, toPaymaxError } from './errors.js';

describe('paymax error mapping', () => {
  it('maps the core catalog onto the Paymax codes and statuses of FACTS.md', () => {
    const expected: Array<[ErrorCode, number, string]> = [
      ['unauthenticated', 401, 'SECRET_KEY_IS_BLANK'],
      ['invalid_credentials', 401, 'SECRET_KEY_IS_INVALID'],
      ['invalid_signature', 401, 'SIGN_CHECK_FAILED'],
      ['app_not_found', 400, 'APP_NOT_EXIST'],
      ['charge_not_found', 400, 'ORDER_NO_NOT_EXIST'],
      ['refund_not_found', 400, 'ORDER_NO_NOT_EXIST'],
      ['order_no_duplicate', 400, 'ORDER_NO_DUPLICATE'],
      ['channel_not_available', 400, 'CHANNEL_NOT_AVAILABLE'],
      ['refund_exceeds_amount', 400, 'AMOUNT_NOT_ENOUGH'],
      ['charge_not_refundable', 400, 'AMOUNT_NOT_ENOUGH'],
      ['invalid_amount', 400, 'ILLEGAL_ARGUMENT'],
      ['channel_error', 400, 'CHANNEL_CHARGE_FAILED'],
      ['internal_error', 500, 'SYSTEM_ERROR'],
    ];
    for (const [code, status, paymax] of expected) {
      const mapped = toPaymaxError(new JuheError(code, 'detail here'));
      expect([code, mapped.status, mapped.code]).toEqual([code, status, paymax]);
    }
  });

  it('gives every catalog code a Paymax answer: 4xx as a 4xx code, 5xx as SYSTEM_ERROR without detail', () => {
    for (const code of Object.keys(ERROR_CATALOG) as ErrorCode[]) {
      const mapped = toPaymaxError(new JuheError(code, 'secret detail'));
      // channel_error (502 natively) is Paymax's 400 CHANNEL_CHARGE_FAILED, which shows the channel's reason.
      if (ERROR_CATALOG[code].status >= 500 && code !== 'channel_error') {
        expect(mapped.code).toBe('SYSTEM_ERROR');
        expect(mapped.message).not.toContain('secret detail');
      } else {
        expect(mapped.status).toBeLessThan(500);
        expect(mapped.message).toContain('secret detail');
      }
    }
  });

  it('writes the bare {failure_code, failure_msg} body with Paymax wording first', () => {
    expect(new PaymaxError(401, 'SECRET_KEY_IS_BLANK').toJSON()).toEqual({
      failure_code: 'SECRET_KEY_IS_BLANK',
      failure_msg: 'SecretKey为空',
    });
    expect(toPaymaxError(new JuheError('invalid_parameter', 'order_no is required')).toJSON()).toEqual({
      failure_code: 'ILLEGAL_ARGUMENT',
      failure_msg: '参数错误: order_no is required',
    });
  });

  it('never leaks an unexpected error and keeps Fastify 4xx as client errors', () => {
    expect(toPaymaxError(new Error('db password is hunter2')).toJSON()).toEqual({
      failure_code: 'SYSTEM_ERROR',
      failure_msg: '系统内部错误',
    });
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    expect(toPaymaxError(tooLarge)).toMatchObject({ status: 413, code: 'ILLEGAL_ARGUMENT' });
  });
});
