/**
 * Fault injection for the UnionPay simulator: the next `count` gateway calls or back
 * notifications misbehave.
 * - error_5xx: answer HTTP 500 without processing the call
 * - timeout: process the call, then hold the answer for `ms` (the client times out)
 * - delay: deliver the next notifications `ms` later on the business clock
 * - duplicate: deliver the next notifications twice
 * - reorder: hold the next `count` notifications, then deliver them newest first
 * - drop: never deliver the next notifications (lost: polling must find them)
 * - forge: the next notifications' first attempt is signed by a key and certificate of
 *   UnionPay's name that no trusted middle certificate issued
 * - refund_fail: the next accepted refunds settle failed (origRespCode 01), no notification
 */
export const UNIONPAY_FAULT_KINDS = [
  'error_5xx',
  'timeout',
  'delay',
  'duplicate',
  'reorder',
  'drop',
  'forge',
  'refund_fail',
] as const;
export type UnionpayFaultKind = (typeof UNIONPAY_FAULT_KINDS)[number];

export interface UnionpayFault {
  kind: UnionpayFaultKind;
  remaining: number;
  ms: number;
}

export const isUnionpayFaultKind = (v: unknown): v is UnionpayFaultKind =>
  UNIONPAY_FAULT_KINDS.includes(v as UnionpayFaultKind);

export class UnionpayFaults {
  private list: UnionpayFault[] = [];

  add(kind: UnionpayFaultKind, count = 1, ms = 0): UnionpayFault {
    const fault = { kind, remaining: count, ms };
    this.list.push(fault);
    return fault;
  }

  /** Consumes one use of the first fault among `kinds`, if any. */
  take(...kinds: UnionpayFaultKind[]): UnionpayFault | undefined {
    const fault = this.list.find((f) => kinds.includes(f.kind) && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.list = this.list.filter((f) => f.remaining > 0);
    return { ...fault };
  }

  active(): UnionpayFault[] {
    return this.list.map((f) => ({ ...f }));
  }

  clear(): void {
    this.list = [];
  }
}
