import { describe, expect, it } from 'vitest';
import type { Charge, Refund } from '../../domain/charge.js';
import { payStatusOf } from './pay-status.js';

const charge = (status: Charge['status'], amountRefunded = 0) => ({ status, amountRefunded }) as Charge;
const refund = (status: Refund['status']) => ({ status }) as Refund;

describe('unified payStatus', () => {
  it('maps every charge status', () => {
    expect(payStatusOf(charge('pending'))).toBe('NOTPAY');
    expect(payStatusOf(charge('user_paying'))).toBe('NOTPAY');
    expect(payStatusOf(charge('succeeded'))).toBe('SUCCESSPAY');
    expect(payStatusOf(charge('failed'))).toBe('FAILUREPAY');
    expect(payStatusOf(charge('canceled'))).toBe('CLOSED');
    expect(payStatusOf(charge('closed'))).toBe('CLOSED');
  });

  it('reports refunds of a paid charge', () => {
    expect(payStatusOf(charge('succeeded'), [refund('pending')])).toBe('WAITREFUND');
    expect(payStatusOf(charge('succeeded', 5), [refund('succeeded')])).toBe('SUCCESSREFUND');
    expect(payStatusOf(charge('succeeded', 5), [refund('succeeded'), refund('pending')])).toBe('WAITREFUND');
    expect(payStatusOf(charge('succeeded'), [refund('failed')])).toBe('FAILUREREFUND');
    expect(payStatusOf(charge('succeeded', 5), [refund('failed'), refund('succeeded')])).toBe(
      'SUCCESSREFUND',
    );
  });
});
