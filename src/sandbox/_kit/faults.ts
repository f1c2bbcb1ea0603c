/** One injected fault: the next `remaining` calls or notifications of its kind misbehave. */
export interface Fault<K extends string> {
  kind: K;
  remaining: number;
  /** Delay or hold time, for the kinds that take one. */
  ms: number;
}

/**
 * A simulator's queue of injected faults (each provider names its own kinds in its
 * faults.ts): added through the sandbox admin API, consumed one use at a time.
 */
export class FaultQueue<K extends string> {
  private list: Fault<K>[] = [];

  add(kind: K, count = 1, ms = 0): Fault<K> {
    const fault = { kind, remaining: count, ms };
    this.list.push(fault);
    return fault;
  }

  /** Consumes one use of the first fault among `kinds`, if any. */
  take(...kinds: K[]): Fault<K> | undefined {
    const fault = this.list.find((f) => kinds.includes(f.kind) && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.list = this.list.filter((f) => f.remaining > 0);
    return { ...fault };
  }

  active(): Fault<K>[] {
    return this.list.map((f) => ({ ...f }));
  }

  clear(): void {
    this.list = [];
  }
}

/**
 * The kinds every provider's simulator takes, in the order each lists them first (the
 * admin API's schema enumerates them so): API call faults, then notification faults.
 * Each provider's faults.ts appends the kinds of its own protocol.
 */
export const COMMON_FAULT_KINDS = [
  'error_5xx',
  'timeout',
  'delay',
  'duplicate',
  'reorder',
  'drop',
  'forge',
] as const;

/** A type guard for one provider's kinds (the admin API checks a request's kind with it). */
export const faultKindGuard =
  <K extends string>(kinds: readonly K[]) =>
  (v: unknown): v is K =>
    kinds.includes(v as K);
