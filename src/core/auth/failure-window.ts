/**
 * Counts failed attempts per key (an IP, an account, a store) over a sliding window, in
 * memory on this node: with N nodes behind a balancer a guesser gets N times the allowance.
 * Example: new FailureWindow(10, 15 * 60_000) lets 10 wrong passwords through per quarter
 * hour, then retryAfter() says how many seconds until the oldest one ages out.
 */
export class FailureWindow {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string, nowMs: number): number {
    const recent = this.recent(key, nowMs);
    if (recent.length < this.max) return 0;
    return Math.max(1, Math.ceil((recent[recent.length - this.max]! + this.windowMs - nowMs) / 1000));
  }

  fail(key: string, nowMs: number): void {
    const recent = this.recent(key, nowMs);
    recent.push(nowMs);
    this.failures.set(key, recent);
    if (this.failures.size > 100_000) this.sweep(nowMs); // a spray of keys cannot grow the map forever
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, nowMs: number): number[] {
    const kept = (this.failures.get(key) ?? []).filter((at) => at > nowMs - this.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    return kept;
  }

  private sweep(nowMs: number): void {
    for (const key of [...this.failures.keys()]) this.recent(key, nowMs);
  }
}
