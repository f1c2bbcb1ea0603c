/**
 * Fault injection, per simulator: the next `count` API calls or callbacks misbehave.
 * - error_5xx: answer 500 SYSTEM_ERROR (signed) without processing the call
 * - timeout: process the call, then hold the answer for `ms` (the client times out)
 * - delay: deliver the next callbacks `ms` later on the business clock
 * - duplicate: deliver the next callbacks twice
 * - reorder: hold the next `count` callbacks, then deliver them newest first
 * - drop: never deliver the next callbacks (lost notifications: polling must find them)
 * - forge: send the next callbacks' first attempt with a signature from a foreign key
 * - refund_abnormal: the next refunds settle ABNORMAL (REFUND.ABNORMAL callback)
 */
export const FAULT_KINDS = [
  'error_5xx',
  'timeout',
  'delay',
  'duplicate',
  'reorder',
  'drop',
  'forge',
  'refund_abnormal',
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
