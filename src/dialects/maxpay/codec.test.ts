import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import type { MaxpayChannel } from './channels.js';
import {
  MAX_RECORDS_TIME_MS,
  RECORD_STATUSES,
  billChannelData,
  chargeExtra,
  decodeBill,
  decodeRecordsQuery,
  parseJsonBody,
  recordStatus,
  toRecord,
} from './codec.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function failure(fn: () => unknown): { code: string; param?: string } | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof JuheError) return { code: error.code, param: error.param };
    throw error;
  }
  return undefined;
}

const base = { channel: 'ali_app', billNum: 'B20260301001', totalFee: 1, subject: '图书-支付战争' };

describe('parseJsonBody', () => {
  it('reads a JSON object; an absent or blank body is {}', () => {
    expect(parseJsonBody('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonBody(undefined)).toEqual({});
    expect(parseJsonBody('  \n')).toEqual({});
  });

  it.each(['{"a":', '[1]', '"text"', '12', 'null', 'channel=ali_app'])('refuses %s', (raw) => {
    expect(failure(() => parseJsonBody(raw))?.code).toBe('invalid_request');
  });
});

describe('decodeBill', () => {
  it('decodes a full body and ignores unknown fields (PHP client appid/token)', () => {
    const input = decodeBill({
      ...base,
      channel: 'ali_qrcode',
      extras: { cart: 7, note: 'x' },
      returnUrl: 'https://shop.test/return',
      billTimeout: 600,
      showUrl: 'https://shop.test/item/7',
      qrPayMode: 4,
      openid: null,
      appid: 'ignored',
      token: 'ignored',
    });
    expect(input).toEqual({
      channel: 'ali_qrcode',
      billNum: 'B20260301001',
      totalFee: 1,
      subject: '图书-支付战争',
      extras: { cart: 7, note: 'x' },
      returnUrl: 'https://shop.test/return',
      billTimeoutS: 600,
      showUrl: 'https://shop.test/item/7',
      qrPayMode: '4',
      openid: undefined,
    });
    expect(chargeExtra(input)).toEqual({
      maxpay_channel: 'ali_qrcode',
      show_url: 'https://shop.test/item/7',
      qr_pay_mode: '4',
    });
  });

  it('treats null and "" as not sent (PHP encodes unset keys)', () => {
    const input = decodeBill({ ...base, extras: null, returnUrl: '', billTimeout: null, showUrl: null });
    expect(input.extras).toEqual({});
    expect(input.returnUrl).toBeUndefined();
    expect(input.billTimeoutS).toBeUndefined();
    expect(chargeExtra({ ...input, openid: 'o-1' })).toEqual({ openid: 'o-1' });
  });

  it.each([
    ['channel missing', { ...base, channel: undefined }, 'missing_parameter', 'channel'],
    ['channel unknown', { ...base, channel: 'ali' }, 'channel_not_supported', 'channel'],
    ['channel upper-case', { ...base, channel: 'ALI_APP' }, 'channel_not_supported', 'channel'],
    ['channel a number', { ...base, channel: 1 }, 'channel_not_supported', 'channel'],
    ['billNum missing', { ...base, billNum: undefined }, 'missing_parameter', 'billNum'],
    ['billNum empty', { ...base, billNum: '' }, 'missing_parameter', 'billNum'],
    ['billNum a number', { ...base, billNum: 123456 }, 'invalid_parameter', 'billNum'],
    ['billNum with a space', { ...base, billNum: 'B 1' }, 'invalid_parameter', 'billNum'],
    ['billNum too long', { ...base, billNum: 'x'.repeat(65) }, 'invalid_parameter', 'billNum'],
    ['totalFee missing', { ...base, totalFee: undefined }, 'missing_parameter', 'totalFee'],
    ['totalFee a string', { ...base, totalFee: '1' }, 'invalid_parameter', 'totalFee'],
    ['totalFee a fraction', { ...base, totalFee: 0.5 }, 'invalid_parameter', 'totalFee'],
    ['totalFee zero', { ...base, totalFee: 0 }, 'invalid_parameter', 'totalFee'],
    ['totalFee negative', { ...base, totalFee: -1 }, 'invalid_parameter', 'totalFee'],
    ['totalFee unsafe', { ...base, totalFee: 2 ** 53 }, 'invalid_parameter', 'totalFee'],
    ['subject missing', { ...base, subject: undefined }, 'missing_parameter', 'subject'],
    ['subject blank', { ...base, subject: '  ' }, 'missing_parameter', 'subject'],
    ['subject an object', { ...base, subject: { a: 1 } }, 'invalid_parameter', 'subject'],
    ['subject too long', { ...base, subject: 's'.repeat(257) }, 'invalid_parameter', 'subject'],
    ['subject with NUL', { ...base, subject: 'a\u0000b' }, 'invalid_parameter', 'subject'],
    ['subject with a lone surrogate', { ...base, subject: '\ud800' }, 'invalid_parameter', 'subject'],
    ['extras with NUL deep inside', { ...base, extras: { a: ['\u0000'] } }, 'invalid_parameter', 'extras'],
    ['showUrl with NUL', { ...base, showUrl: 'http://a.cn/\u0000' }, 'invalid_parameter', 'showUrl'],
    ['extras an array', { ...base, extras: [1] }, 'invalid_parameter', 'extras'],
    ['extras a string', { ...base, extras: '{"a":1}' }, 'invalid_parameter', 'extras'],
    ['extras too big', { ...base, extras: { a: 'x'.repeat(9000) } }, 'invalid_parameter', 'extras'],
    ['returnUrl relative', { ...base, returnUrl: '/return' }, 'invalid_parameter', 'returnUrl'],
    [
      'returnUrl javascript:',
      { ...base, returnUrl: 'javascript:alert(1)' },
      'invalid_parameter',
      'returnUrl',
    ],
    ['showUrl a number', { ...base, showUrl: 5 }, 'invalid_parameter', 'showUrl'],
    ['billTimeout a string', { ...base, billTimeout: '600' }, 'invalid_parameter', 'billTimeout'],
    ['billTimeout zero', { ...base, billTimeout: 0 }, 'invalid_parameter', 'billTimeout'],
    ['billTimeout > 15 days', { ...base, billTimeout: 15 * 86400 + 1 }, 'invalid_parameter', 'billTimeout'],
    ['qrPayMode unknown', { ...base, qrPayMode: 9 }, 'invalid_parameter', 'qrPayMode'],
    ['openid a number', { ...base, openid: 42 }, 'invalid_parameter', 'openid'],
    ['ali_web without returnUrl', { ...base, channel: 'ali_web' }, 'missing_parameter', 'returnUrl'],
    ['ali_qrcode without returnUrl', { ...base, channel: 'ali_qrcode' }, 'missing_parameter', 'returnUrl'],
    ['un_web without returnUrl', { ...base, channel: 'un_web' }, 'missing_parameter', 'returnUrl'],
    ['wx_jsapi without openid', { ...base, channel: 'wx_jsapi' }, 'missing_parameter', 'openid'],
  ])('%s -> %s', (_name, body, code, param) => {
    expect(failure(() => decodeBill(body as Record<string, unknown>))).toEqual({ code, param });
  });
});

describe('decodeRecordsQuery', () => {
  it('defaults to the newest 100 by creation time', () => {
    expect(decodeRecordsQuery({})).toEqual({ limit: 100, order: 'desc', sort: 'created' });
  });

  it('maps every filter', () => {
    expect(
      decodeRecordsQuery({
        billNum: 'B1',
        channel: 'wx_native',
        status: 'refund',
        startTime: 1451890938648,
        endTime: 1451890939648,
        skip: 20,
        limit: 10,
        order: 'totalFee',
        appid: 'ignored',
      }),
    ).toEqual({
      orderNo: 'B1',
      channel: 'wechatpay',
      method: 'qr',
      status: ['succeeded'],
      refunded: true,
      createdGte: new Date(1451890938648),
      createdLte: new Date(1451890939648),
      offset: 20,
      limit: 10,
      order: 'asc',
      sort: 'amount',
    });
    expect(decodeRecordsQuery({ status: 'created', order: '-totalFee' })).toMatchObject({
      status: ['pending', 'user_paying', 'failed', 'canceled', 'closed'],
      order: 'desc',
      sort: 'amount',
    });
    expect(decodeRecordsQuery({ status: 'success', order: 'createdTime' })).toMatchObject({
      status: ['succeeded'],
      refunded: false,
      order: 'asc',
      sort: 'created',
    });
  });

  it.each([
    ['channel unknown', { channel: 'alipay' }, 'channel_not_supported', 'channel'],
    ['channel inherited name', { channel: 'toString' }, 'channel_not_supported', 'channel'],
    ['status unknown', { status: 'paid' }, 'invalid_parameter', 'status'],
    ['status inherited name', { status: 'toString' }, 'invalid_parameter', 'status'],
    ['startTime a string', { startTime: '1451890938648' }, 'invalid_parameter', 'startTime'],
    ['endTime negative', { endTime: -1 }, 'invalid_parameter', 'endTime'],
    ['skip negative', { skip: -1 }, 'invalid_parameter', 'skip'],
    ['skip a fraction', { skip: 1.5 }, 'invalid_parameter', 'skip'],
    ['limit zero', { limit: 0 }, 'invalid_parameter', 'limit'],
    ['limit above 1000', { limit: 1001 }, 'invalid_parameter', 'limit'],
    ['order unknown key', { order: '-billNum' }, 'invalid_parameter', 'order'],
    ['order inherited name', { order: '__proto__' }, 'invalid_parameter', 'order'],
    ['billNum a number', { billNum: 7 }, 'invalid_parameter', 'billNum'],
    ['billNum with NUL', { billNum: 'B\u0000' }, 'invalid_parameter', 'billNum'],
    ['startTime past year 9999', { startTime: MAX_RECORDS_TIME_MS + 1 }, 'invalid_parameter', 'startTime'],
    ['endTime past year 9999', { endTime: 8.64e15 }, 'invalid_parameter', 'endTime'],
  ])('%s -> %s', (_name, body, code, param) => {
    expect(failure(() => decodeRecordsQuery(body as Record<string, unknown>))).toEqual({ code, param });
  });

  it("filters by provider for the document's example channel 'ali' (and 'wx', 'un')", () => {
    expect(decodeRecordsQuery({ channel: 'ali' })).toEqual({
      limit: 100,
      order: 'desc',
      sort: 'created',
      channel: 'alipay',
    });
    expect(decodeRecordsQuery({ channel: 'wx' })).toMatchObject({ channel: 'wechatpay' });
    expect(decodeRecordsQuery({ channel: 'un' })).toMatchObject({ channel: 'unionpay' });
    expect(decodeRecordsQuery({ channel: 'wx' }).method).toBeUndefined();
  });
});

describe('record status', () => {
  it('maps charge status both ways through one table', () => {
    const cases = [
      ['pending', 0, 'created'],
      ['user_paying', 0, 'created'],
      ['failed', 0, 'created'],
      ['canceled', 0, 'created'],
      ['closed', 0, 'created'],
      ['succeeded', 0, 'success'],
      ['succeeded', 1, 'refund'],
    ] as const;
    for (const [status, amountRefunded, expected] of cases) {
      const name = recordStatus({ status, amountRefunded });
      expect(name).toBe(expected);
      const entry = RECORD_STATUSES[name];
      expect(entry.statuses).toContain(status);
      if (entry.refunded !== undefined) expect(entry.refunded).toBe(amountRefunded > 0);
    }
  });
});

const created = new Date('2026-03-01T08:00:00.000Z');

function charge(overrides: Partial<Charge>): Charge {
  return {
    id: 'ch_0123456789abcdef01234567',
    appId: 'app_1',
    storeId: null,
    livemode: false,
    dialect: 'maxpay',
    orderNo: 'B1',
    attempt: 1,
    orderSn: '2026030108000012345678',
    channel: 'alipay',
    method: 'app',
    amount: 1,
    amountOriginal: null,
    amountDiscount: 0,
    amountIgnore: 0,
    amountRefunded: 0,
    currency: 'CNY',
    subject: 's',
    body: null,
    description: null,
    clientIp: null,
    extra: {},
    metadata: {},
    credential: null,
    status: 'pending',
    transactionNo: null,
    failureCode: null,
    failureMsg: null,
    returnUrl: null,
    notifyUrl: null,
    createdAt: created,
    updatedAt: created,
    expiresAt: new Date('2026-03-01T09:00:00.000Z'),
    paidAt: null,
    closedAt: null,
    ...overrides,
  };
}

describe('toRecord', () => {
  it('builds the documented result with money as "<decimal> <currency>"', () => {
    expect(
      toRecord(
        charge({
          channel: 'wechatpay',
          method: 'qr',
          amount: 9900,
          amountRefunded: 100,
          status: 'succeeded',
          paidAt: new Date('2026-03-01T08:01:00.000Z'),
          transactionNo: '4200000001',
          metadata: { '1': '2' },
        }),
      ),
    ).toEqual({
      id: 'ch_0123456789abcdef01234567',
      billNum: 'B1',
      channel: 'wx_native',
      totalFee: 9900,
      currency: 'CNY',
      money: '99.00 CNY',
      status: 'refund',
      createdTime: created.getTime(),
      endTime: Date.parse('2026-03-01T08:01:00.000Z'),
      extras: { '1': '2' },
      subject: 's',
      refundFee: 100,
      tradeNo: '4200000001',
    });
  });

  it('ends an unpaid bill at its close, else at its expiry', () => {
    expect(toRecord(charge({})).money).toBe('0.01 CNY');
    expect(toRecord(charge({})).endTime).toBe(Date.parse('2026-03-01T09:00:00.000Z'));
    const closedAt = new Date('2026-03-01T08:30:00.000Z');
    expect(toRecord(charge({ status: 'closed', closedAt })).endTime).toBe(closedAt.getTime());
  });
});

describe('billChannelData', () => {
  const live = (
    channel: MaxpayChannel,
    method: Charge['method'],
    provider: Charge['channel'],
    credential: Record<string, unknown>,
  ) => billChannelData(channel, charge({ livemode: true, channel: provider, method, credential }));

  it('reads what the sandbox connector returns today', () => {
    const sandbox = (channel: MaxpayChannel, credential: Record<string, unknown>) =>
      billChannelData(channel, charge({ credential }));
    expect(sandbox('ali_app', { order_string: 'a=1&b=2' })).toEqual({ ali_app: 'a=1&b=2' });
    expect(sandbox('ali_web', { pay_url: 'https://pay.test/p' })).toEqual({ ali_web: 'https://pay.test/p' });
    expect(sandbox('ali_qrcode', { qr_code: 'https://qr.test/q' })).toEqual({ url: 'https://qr.test/q' });
    expect(sandbox('wx_native', { qr_code: 'weixin://wxpay/bizpayurl?pr=x' })).toEqual({
      codeUrl: 'weixin://wxpay/bizpayurl?pr=x',
      prepayid: 'ch_0123456789abcdef01234567',
    });
    expect(sandbox('un_app', { order_string: 'sandbox_order=ch_1' })).toEqual({ tn: 'sandbox_order=ch_1' });
    expect(sandbox('un_web', { pay_url: 'https://pay.test/p?a=1&b="2"' })).toEqual({
      html:
        '<form id="maxpay_un_web" action="https://pay.test/p?a=1&amp;b=&quot;2&quot;" method="get"></form>' +
        '<script>document.getElementById("maxpay_un_web").submit();</script>',
    });
  });

  it('signs the test-mode WeChat app parameters the WeChat v2 way', () => {
    const data = billChannelData(
      'wx_app',
      charge({ channel: 'wechatpay', credential: { order_string: 'x' } }),
    );
    const unsigned = {
      appid: 'sandbox',
      noncestr: md5('nonce:ch_0123456789abcdef01234567'),
      package: 'Sign=WXPay',
      partnerid: 'sandbox',
      prepayid: 'ch_0123456789abcdef01234567',
      timestamp: String(created.getTime() / 1000),
    };
    const text = Object.entries(unsigned)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    expect(data).toEqual({ ...unsigned, sign: md5(`${text}&key=sandbox`).toUpperCase() });
  });

  it('builds test-mode JSAPI parameters from the sandbox {jsapi}', () => {
    const data = billChannelData(
      'wx_jsapi',
      charge({
        channel: 'wechatpay',
        method: 'jsapi',
        credential: {
          jsapi: { appId: 'sandbox', package: 'prepay_id=ch_0123456789abcdef01234567', signType: 'RSA' },
        },
      }),
    );
    const unsigned = {
      appId: 'sandbox',
      nonceStr: md5('nonce:ch_0123456789abcdef01234567'),
      package: 'prepay_id=ch_0123456789abcdef01234567',
      signType: 'MD5',
      timeStamp: String(created.getTime() / 1000),
    };
    const text = Object.entries(unsigned)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    expect(data).toEqual({ ...unsigned, paySign: md5(`${text}&key=sandbox`).toUpperCase() });
  });

  it('passes richer live credentials through as strings', () => {
    expect(live('wx_native', 'qr', 'wechatpay', { code_url: 'weixin://x', prepay_id: 'wx201' })).toEqual({
      codeUrl: 'weixin://x',
      prepayid: 'wx201',
    });
    expect(
      live('wx_app', 'app', 'wechatpay', {
        app_params: {
          appid: 'wxd930ea5d5a258f4f',
          partnerid: '1900000109',
          prepayid: 'wx201410272009395522657a690389285100',
          package: 'Sign=WXPay',
          noncestr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
          timestamp: 1412000000,
          sign: 'C380BEC2BFD727A4B6845133519F3AD6',
        },
      }),
    ).toEqual({
      appid: 'wxd930ea5d5a258f4f',
      partnerid: '1900000109',
      prepayid: 'wx201410272009395522657a690389285100',
      package: 'Sign=WXPay',
      noncestr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      timestamp: '1412000000',
      sign: 'C380BEC2BFD727A4B6845133519F3AD6',
    });
    expect(
      live('wx_jsapi', 'jsapi', 'wechatpay', {
        jsapi: {
          appId: 'wx1',
          timeStamp: '1412000000',
          nonceStr: 'n',
          package: 'prepay_id=wx2',
          signType: 'RSA',
          paySign: 'sig',
        },
      }),
    ).toEqual({
      appId: 'wx1',
      timeStamp: '1412000000',
      nonceStr: 'n',
      package: 'prepay_id=wx2',
      signType: 'RSA',
      paySign: 'sig',
    });
    expect(live('un_app', 'app', 'unionpay', { tn: '201603011234567890123' })).toEqual({
      tn: '201603011234567890123',
    });
    expect(live('un_web', 'page', 'unionpay', { html: '<form/>' })).toEqual({ html: '<form/>' });
    expect(live('ali_web', 'page', 'alipay', { url: 'https://openapi.alipay.com/gateway.do?x' })).toEqual({
      ali_web: 'https://openapi.alipay.com/gateway.do?x',
    });
  });

  it('live wx_native from a WeChat Pay API v3 Native answer (code_url, no prepay_id): the bill id stands in', () => {
    const data = live('wx_native', 'qr', 'wechatpay', {
      qr_code: 'weixin://wxpay/bizpayurl?pr=aIQrOYOzz',
      code_url: 'weixin://wxpay/bizpayurl?pr=aIQrOYOzz',
    });
    expect(data.codeUrl).toBe('weixin://wxpay/bizpayurl?pr=aIQrOYOzz');
    expect(data.prepayid).toMatch(/^ch_/);
  });

  it('never invents live-mode data: a missing field is a channel error', () => {
    const cases: [MaxpayChannel, Charge['method'], Charge['channel'], Record<string, unknown>][] = [
      ['ali_app', 'app', 'alipay', {}],
      ['wx_native', 'qr', 'wechatpay', { prepay_id: 'wx201' }],
      [
        'wx_app',
        'app',
        'wechatpay',
        { app_params: { appid: 'a', partnerid: 'p', prepayid: 'x', noncestr: 'n', timestamp: '1' } },
      ],
      ['wx_jsapi', 'jsapi', 'wechatpay', { jsapi: { appId: 'a', package: 'prepay_id=x' } }],
      ['un_app', 'app', 'unionpay', { order_string: 'x' }],
      ['un_web', 'page', 'unionpay', { pay_url: 'https://x' }],
    ];
    for (const [channel, method, provider, credential] of cases) {
      expect(failure(() => live(channel, method, provider, credential))?.code).toBe('channel_error');
    }
  });
});
