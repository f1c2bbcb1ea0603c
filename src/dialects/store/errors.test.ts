import { describe, expect, it } from 'vitest';
import { JuheError } from '../../domain/errors.js';
import { ERRCODES, StoreError, fromCore } from './errors.js';

// Section 5 of the document, every code it lists.
const DOCUMENTED = [
  0, 3002, 5, 8, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009, 8010, 8011, 8012, 8013, 8014, 8015,
  8016, 8017, 8018, 8019, 8020, 8021, 8022, 8023, 8040, 8044, 8045, 8046, 9,
];

describe('store errcodes', () => {
  it('cover every code of the document, each once, plus 8000 and the transport-level 404, 413, 500', () => {
    const codes = Object.values(ERRCODES).map((e) => e.errcode);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort((a, b) => a - b)).toEqual(
      [...DOCUMENTED, 8000, 404, 413, 500].sort((a, b) => a - b),
    );
  });

  it('append the detail after the document message', () => {
    const e = new StoreError('amount_invalid', 'trade_amount(1) != 2');
    expect([e.errcode, e.message]).toEqual([8006, '收款金额有误：trade_amount(1) != 2']);
    expect(new StoreError('bad_sign').message).toBe('验证签名错误');
  });

  it('map core errors per endpoint, and leave the rest to the 500 path', () => {
    expect(fromCore(new JuheError('order_no_duplicate'), 'payorder')?.errcode).toBe(8045);
    expect(fromCore(new JuheError('refund_exceeds_amount'), 'payrefund')?.errcode).toBe(8021);
    expect(fromCore(new JuheError('charge_already_paid'), 'paycancel')?.errcode).toBe(8013);
    expect(fromCore(new JuheError('internal_error'), 'payorder')).toBeNull();
    expect(fromCore(new Error('boom'), 'payorder')).toBeNull();
  });
});
