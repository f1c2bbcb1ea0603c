import { sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import { sql } from './sql.js';

/** A run's settlement record: the provider's account movements and the statement's totals. */
export interface RunSettlement {
  source: string;
  gross: number;
  refunds: number;
  fees: number;
  income: number;
  expense: number;
  net: number;
  statement: { gross: number; refunds: number; fees: number };
}

/** Records what the provider's fund-flow record says of the run's day. */
export async function recordSettlement(q: Queryable, runId: string, s: RunSettlement): Promise<void> {
  const query = raw`UPDATE reconciliation_runs SET settlement = ${JSON.stringify(s)}::jsonb WHERE id = ${runId}`;
  const compiled = query.compile(sql);
  await q.query(compiled.sql, compiled.parameters as unknown[]);
}

export async function settlementOf(q: Queryable, runId: string): Promise<RunSettlement | null> {
  const query = raw<{
    settlement: RunSettlement | string | null;
  }>`SELECT settlement FROM reconciliation_runs WHERE id = ${runId}`;
  const compiled = query.compile(sql);
  const [row] = await q.query<{ settlement: RunSettlement | string | null }>(
    compiled.sql,
    compiled.parameters as unknown[],
  );
  const value = row?.settlement ?? null;
  return typeof value === 'string' ? (JSON.parse(value) as RunSettlement) : value;
}
