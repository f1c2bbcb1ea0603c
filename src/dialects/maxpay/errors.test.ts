import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type ErrorCode, JuheError } from '../../domain/errors.js';
import { CATALOG_TO_MAXPAY, MAXPAY_CODES, maxpayMsgFor, toMaxpayError } from './errors.js';

describe('maxpay errors', () => {
  it('has exactly the documented codes', () => {
    expect(MAXPAY_CODES).toEqual({
      OK: 0,
      APP_INVALID: 1,
      PAY_FACTOR_NOT_SET: 2,
      CHANNEL_INVALID: 3,
      MISS_PARAM: 4,
      PARAM_INVALID: 5,
      CERT_FILE_ERROR: 6,
      CHANNEL_ERROR: 7,
      RUN_TIME_ERROR: 14,
    });
  });

  it('maps every catalog code, listed or by its HTTP status', () => {
    for (const code of Object.keys(ERROR_CATALOG) as ErrorCode[]) {
      const msg = maxpayMsgFor(code);
      expect(Object.keys(MAXPAY_CODES)).toContain(msg);
      expect(msg).not.toBe('OK');
      if (CATALOG_TO_MAXPAY[code]) expect(msg).toBe(CATALOG_TO_MAXPAY[code]);
    }
  });

  it.each([
    ['unauthenticated', 'APP_INVALID', 1],
    ['invalid_credentials', 'APP_INVALID', 1],
    ['invalid_signature', 'APP_INVALID', 1],
    ['stale_timestamp', 'APP_INVALID', 1],
    ['channel_not_available', 'PAY_FACTOR_NOT_SET', 2],
    ['channel_not_supported', 'CHANNEL_INVALID', 3],
    ['channel_certificate_invalid', 'CERT_FILE_ERROR', 6],
    ['missing_parameter', 'MISS_PARAM', 4],
    ['invalid_parameter', 'PARAM_INVALID', 5],
    ['invalid_amount', 'PARAM_INVALID', 5],
    ['invalid_request', 'PARAM_INVALID', 5],
    ['order_no_duplicate', 'PARAM_INVALID', 5],
    ['channel_error', 'CHANNEL_ERROR', 7],
    ['internal_error', 'RUN_TIME_ERROR', 14],
    ['unavailable', 'RUN_TIME_ERROR', 14],
  ] as const)('%s -> %s (%d)', (code, msg, number) => {
    const { body } = toMaxpayError(new JuheError(code, 'details here'));
    expect(body).toEqual({ code: number, msg, err: 'details here' });
  });

  it('turns fastify body errors into PARAM_INVALID', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(toMaxpayError(tooLarge)).toEqual({
      body: { code: 5, msg: 'PARAM_INVALID', err: 'Request body is too large' },
      internal: false,
    });
    const badType = Object.assign(new Error('Unsupported Media Type'), {
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      statusCode: 415,
    });
    expect(toMaxpayError(badType).body.code).toBe(5);
  });

  it('hides unexpected errors behind RUN_TIME_ERROR', () => {
    expect(toMaxpayError(new TypeError('x is undefined at secret.ts:12'))).toEqual({
      body: { code: 14, msg: 'RUN_TIME_ERROR', err: ERROR_CATALOG.internal_error.message },
      internal: true,
    });
    expect(toMaxpayError(null).body.code).toBe(14);
  });
});
