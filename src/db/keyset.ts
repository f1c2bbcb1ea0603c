import { type RawBuilder, sql as raw } from 'kysely';

/**
 * Newest-first keyset paging by (created_at, id): rows strictly before the row `startingAfter`
 * names, so a page never repeats or skips a row however many are written meanwhile.
 * `table` is one of our own table names, never input.
 */
export function beforeRow(table: 'refunds' | 'audit_log', startingAfter: string): RawBuilder<boolean> {
  return raw<boolean>`(created_at, id) < (SELECT created_at, id FROM ${raw.table(table)} WHERE id = ${startingAfter})`;
}

/** One row more than the page, to know whether there is a next page. */
export function pageOf<T>(rows: T[], limit: number): { data: T[]; hasMore: boolean } {
  return { data: rows.slice(0, limit), hasMore: rows.length > limit };
}
