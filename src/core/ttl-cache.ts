/**
 * A short-lived memory of who a credential is ("this token hash is this actor", "this app
 * id is this key"), so an API client's every call does not pay a database round trip just
 * to authenticate. Entries live `ttlMs` (5 s): a revocation or logout on this node takes
 * effect at once (it evicts), on other nodes within the TTL. Bounded: when full it starts
 * over rather than growing.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, now: number): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: now + this.ttlMs });
  }

  /** Evicts every entry whose value matches (e.g. all cached uses of a revoked token id). */
  evict(match: (value: T, key: string) => boolean): void {
    for (const [key, entry] of this.entries) if (match(entry.value, key)) this.entries.delete(key);
  }
}
