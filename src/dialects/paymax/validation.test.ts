import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minorToJsonNumber } from '../../domain/money.js';
import { PaymaxError } from './errors.js';
import { parseChargeRequest, parseJsonBody, parseRefundRequest } from './validation.js';

const NOW = new Date('2026-03-01T08:00:00Z');
// Every case goes through the real decoding path: bytes on the wire -> JsonBody.
const raw = (text: string) => parseJsonBody(Buffer.from(text, 'utf8'));
const wire = (fields: Record<string, unknown>) => raw(JSON.stringify(fields));
const charge = (fields: Record<string, unknown>, now: Date) => parseChargeRequest(wire(fields), now);
const refund = (fields: Record<string, unknown>) => parseRefundRequest(wire(fields));
const base = {
  order_no: 'paymax11110002',
  amount: 2.01,
  subject: 'test',
  body: 'test',
  channel: 'alipay_app',
  app: 'app_kdjksldf93oksd923oks',
  client_ip: '127.0.0.1',
};

function illegal(fn: () => unknown, fragment: string) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PaymaxError);
    expect((error as PaymaxError).code).toBe('ILLEGAL_ARGUMENT');
    expect((error as PaymaxError).status).toBe(400);
    expect((error as PaymaxError).message).toContain(fragment);
    return;
  }
  throw new Error(`expected ILLEGAL_ARGUMENT mentioning ${fragment}`);
}

describe('paymax request validation', () => {
  it("parses the document's example request", () => {
    const parsed = charge(base, NOW);
    expect(parsed).toMatchObject({
      app: 'app_kdjksldf93oksd923oks',
      orderNo: 'paymax11110002',
      amount: 201,
      subject: 'test',
      body: 'test',
      clientIp: '127.0.0.1',
      description: null,
      extra: {},
      metadata: {},
      returnUrl: null,
    });
    expect(parsed.channel).toMatchObject({ code: 'alipay_app', provider: 'alipay', method: 'app' });
    expect(parsed.expiresAt.getTime()).toBe(NOW.getTime() + 3600_000);
  });

  it('converts every yuan amount a client can write to exact fen', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e13 }), (fen) => {
        // What a client serialises (JSON number, shortest round-trip text) parses back exactly.
        const wire = JSON.parse(JSON.stringify({ ...base, amount: minorToJsonNumber(fen, 'CNY') }));
        expect(charge(wire, NOW).amount).toBe(fen);
      }),
    );
    expect(charge({ ...base, amount: 0.1 }, NOW).amount).toBe(10);
    expect(charge({ ...base, amount: 19.99 }, NOW).amount).toBe(1999);
    expect(charge({ ...base, amount: 1 }, NOW).amount).toBe(100);
    expect(charge({ ...base, amount: '3.2' }, NOW).amount).toBe(320);
  });

  it('reads a JSON number amount from its literal text, never through a double', () => {
    const body = (amount: string) => raw(JSON.stringify(base).replace('"amount":2.01', `"amount":${amount}`));
    expect(parseChargeRequest(body('2.010'), NOW).amount).toBe(201); // BigDecimal with scale 3
    expect(parseChargeRequest(body('2.000'), NOW).amount).toBe(200);
    expect(parseChargeRequest(body('9999999999999.99'), NOW).amount).toBe(999999999999999);
    // A double would make these 1.00 and 12345678901234568.00: they are refused instead.
    illegal(() => parseChargeRequest(body('1.0000000000000001'), NOW), 'decimal places');
    illegal(() => parseChargeRequest(body('12345678901234567.89'), NOW), 'amount');
    illegal(() => parseChargeRequest(body('1E+2'), NOW), 'amount');
    illegal(() => parseChargeRequest(body('-0.00'), NOW), 'greater than 0');
    // The last duplicate wins, as in JSON.parse.
    expect(parseChargeRequest(raw('{"amount":1,' + JSON.stringify(base).slice(1)), NOW).amount).toBe(201);
    expect(parseRefundRequest(raw('{"description":"d","amount":0.50}')).amount).toBe(50);
  });

  it('refuses amounts that are not positive 2-place decimals', () => {
    for (const amount of [0, -0.01, 1.001, '1.234', '-1', 'NaN', '1e3', 1e21, '', null, true, [1]]) {
      illegal(() => charge({ ...base, amount }, NOW), 'amount');
    }
  });

  it('counts subject/body/description length in characters, not bytes', () => {
    expect(charge({ ...base, subject: '😀'.repeat(32) }, NOW).subject).toHaveLength(64);
    illegal(() => charge({ ...base, subject: '😀'.repeat(33) }, NOW), 'subject');
    illegal(() => charge({ ...base, body: '中'.repeat(129) }, NOW), 'body');
    illegal(() => charge({ ...base, description: '中'.repeat(301) }, NOW), 'description');
  });

  it('requires the extras each channel documents', () => {
    // wechat_wap without open_id is the hosted page's (it learns the payer); a malformed one is refused.
    expect(charge({ ...base, channel: 'wechat_wap' }, NOW).payerLearnedByHostedPage).toBe(true);
    expect(
      charge({ ...base, channel: 'wechat_wap', extra: { open_id: '' } }, NOW).payerLearnedByHostedPage,
    ).toBe(true);
    expect(
      charge({ ...base, channel: 'wechat_wap', extra: { open_id: 'o1' } }, NOW).payerLearnedByHostedPage,
    ).toBe(false);
    expect(charge({ ...base, channel: 'wechat_csb' }, NOW).payerLearnedByHostedPage).toBe(false);
    for (const open_id of [1, ' ', ['o'], 'o'.repeat(129)]) {
      illegal(() => charge({ ...base, channel: 'wechat_wap', extra: { open_id } }, NOW), 'extra.open_id');
    }
    illegal(() => charge({ ...base, channel: 'lakala_web', extra: { user_id: '' } }, NOW), 'extra.user_id');
    illegal(
      () => charge({ ...base, channel: 'lakala_app', extra: { user_id: 'u' } }, NOW),
      'extra.return_url',
    );
    illegal(
      () => charge({ ...base, channel: 'lakala_app', extra: { user_id: 'u', return_url: 'nope' } }, NOW),
      'extra.return_url',
    );
    const ok = charge(
      { ...base, channel: 'lakala_app', extra: { user_id: 'u', return_url: 'http://www.abc.cn/' } },
      NOW,
    );
    expect(ok.returnUrl).toBe('http://www.abc.cn/');
  });

  it('reads time_expire as 13-digit ms in the future, capped to 3 minutes for wechat_wap', () => {
    const at = NOW.getTime() + 600_000;
    expect(charge({ ...base, time_expire: at }, NOW).expiresAt.getTime()).toBe(at);
    expect(charge({ ...base, time_expire: String(at) }, NOW).expiresAt.getTime()).toBe(at);
    const wap = { ...base, channel: 'wechat_wap', extra: { open_id: 'o' } };
    expect(charge({ ...wap, time_expire: at }, NOW).expiresAt.getTime()).toBe(NOW.getTime() + 180_000);
    expect(charge(wap, NOW).expiresAt.getTime()).toBe(NOW.getTime() + 180_000);
    for (const time_expire of [
      Math.floor(at / 1000),
      NOW.getTime(),
      NOW.getTime() - 1,
      1.5e12 + 0.5,
      'soon',
    ]) {
      illegal(() => charge({ ...base, time_expire }, NOW), 'time_expire');
    }
  });

  it('refuses text PostgreSQL cannot store, in every stored field', () => {
    illegal(() => charge({ ...base, subject: 'a\u0000' }, NOW), 'subject');
    illegal(() => charge({ ...base, body: '\ud800' }, NOW), 'body');
    illegal(() => charge({ ...base, description: 'x\udc00' }, NOW), 'description');
    illegal(() => charge({ ...base, extra: { k: '\u0000' } }, NOW), 'extra.k');
    illegal(() => charge({ ...base, metadata: { a: { b: ['\u0000'] } } }, NOW), 'metadata.a.b[0]');
    illegal(() => refund({ description: 'r\u0000' }), 'description');
    illegal(() => refund({ description: 'r', metadata: { '\u0000': 1 } }), 'metadata');
    // Emoji (a paired surrogate) and CJK are ordinary text.
    expect(charge({ ...base, subject: '香烟😀', metadata: { note: '😀' } }, NOW).subject).toBe('香烟😀');
  });

  it('accepts cny in either case and nothing else', () => {
    expect(() => charge({ ...base, currency: 'CNY' }, NOW)).not.toThrow();
    expect(() => charge({ ...base, currency: 'cny' }, NOW)).not.toThrow();
    illegal(() => charge({ ...base, currency: 'usd' }, NOW), 'currency');
  });

  it('parses refund requests', () => {
    expect(refund({ description: 'r' })).toEqual({
      amount: undefined,
      description: 'r',
      metadata: {},
    });
    expect(refund({ description: 'r', amount: 1.5, metadata: { a: 1 } })).toEqual({
      amount: 150,
      description: 'r',
      metadata: { a: 1 },
    });
    illegal(() => refund({}), 'description');
    illegal(() => refund({ description: 'r', amount: 0 }), 'amount');
  });

  it('decodes only UTF-8 JSON objects', () => {
    expect(raw('\uFEFF{"a":"中","n":2.50}')).toEqual({
      fields: { a: '中', n: 2.5 },
      numbers: new Map([['n', '2.50']]),
    });
    illegal(() => parseJsonBody(undefined), 'empty');
    illegal(() => parseJsonBody(Buffer.from([0x7b, 0xff, 0x7d])), 'UTF-8');
    illegal(() => raw('{"a":'), 'JSON');
    illegal(() => raw('[]'), 'object');
  });
});
