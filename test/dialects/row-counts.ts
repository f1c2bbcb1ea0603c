import type { TestCore } from '../support/core.js';

type Table = 'charges' | 'refunds' | 'events' | 'outbox';

/**
 * How many rows each table holds. A refused request must change nothing, so the suites
 * compare these before and after it; each suite names the tables its dialect can touch.
 */
export async function rowCounts(core: TestCore, tables: readonly Table[]): Promise<Record<string, number>> {
  const columns = tables.map((table) => `(SELECT count(*)::int FROM ${table}) AS ${table}`).join(', ');
  const [row] = await core.db.query<Record<string, number>>(`SELECT ${columns}`);
  return row!;
}
