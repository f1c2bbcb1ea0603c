/**
 * Fault injection for the Lakala simulator: the next `count` API calls or notifications misbehave.
 * - error_5xx: answer HTTP 500 {code: '999999'} (signed) without processing the call
 * - timeout: process the call, then hold the answer for `ms` (the client times out)
 * - delay: deliver the next notifications `ms` later on the business clock
 * - duplicate: deliver the next notifications twice
 * - reorder: hold the next `count` notifications, then deliver them newest first
 * - drop: never deliver the next notifications (lost: polling must find the payment)
 * - forge: send the next notifications' first attempt signed by a foreign key
 * - refund_fail: refuse the next refunds with BBS11004 (a definite refund failure)
 * - refund_processing: answer the next refunds BBS11112 (processing); they settle after `ms`
 */
export const FAULT_KINDS = [
  'error_5xx',
  'timeout',
  'delay',
  'duplicate',
  'reorder',
  'drop',
  'forge',
  'refund_fail',
  'refund_processing',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  remaining: number;
  ms: number;
}

export const isFaultKind = (v: unknown): v is FaultKind => FAULT_KINDS.includes(v as FaultKind);

export class Faults {
  private list: Fault[] = [];

  add(kind: FaultKind, count = 1, ms = 0): Fault {
    const fault = { kind, remaining: count, ms };
    this.list.push(fault);
    return fault;
  }

  /** Consumes one use of the first fault among `kinds`, if any. */
  take(...kinds: FaultKind[]): Fault | undefined {
    const fault = this.list.find((f) => kinds.includes(f.kind) && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.list = this.list.filter((f) => f.remaining > 0);
    return { ...fault };
  }

  active(): Fault[] {
    return this.list.map((f) => ({ ...f }));
  }

  clear(): void {
    this.list = [];
  }
}
