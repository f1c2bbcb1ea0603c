import type { Queryable } from '../../db/db.js';
import {
  activeFaults,
  deleteFaults,
  type FaultRow,
  insertFault,
  takeFaultRow,
} from './repository-notices.js';
import { type AlipaySim, now } from './state.js';

export const NOTIFY_FAULTS = ['delay', 'duplicate', 'reorder', 'drop', 'forge'] as const;
export const GATEWAY_FAULTS = ['error_5xx', 'timeout', 'business_error'] as const;
export type FaultKind = (typeof NOTIFY_FAULTS)[number] | (typeof GATEWAY_FAULTS)[number];

/**
 * One injected fault, kept in the simulator's table so every node of a gateway sees it:
 * the next `remaining` calls (of `apiMethod`, or any) or notifications misbehave.
 */
export interface Fault {
  id: string;
  kind: FaultKind;
  apiMethod: string | null;
  remaining: number;
  params: Record<string, unknown>;
}

function toFault(r: FaultRow): Fault {
  return {
    id: String(r.id),
    kind: r.kind as FaultKind,
    apiMethod: r.api_method,
    remaining: Number(r.remaining),
    params: (typeof r.params === 'string' ? JSON.parse(r.params) : (r.params ?? {})) as Record<
      string,
      unknown
    >,
  };
}

export async function addFault(
  sim: AlipaySim,
  kind: FaultKind,
  options: { apiMethod?: string; count?: number; params?: Record<string, unknown> },
): Promise<Fault> {
  return toFault(
    await insertFault(sim.ctx.db, {
      kind,
      apiMethod: options.apiMethod ?? null,
      count: options.count ?? 1,
      params: options.params ?? {},
      now: now(sim),
    }),
  );
}

export async function listFaults(sim: AlipaySim): Promise<Fault[]> {
  return (await activeFaults(sim.ctx.db)).map(toFault);
}

export async function clearFaults(sim: AlipaySim): Promise<void> {
  await deleteFaults(sim.ctx.db);
}

/** Consumes one matching fault, oldest first. */
export async function takeFault(
  sim: AlipaySim,
  kinds: readonly FaultKind[],
  method?: string,
  q: Queryable = sim.ctx.db,
): Promise<Fault | undefined> {
  const row = await takeFaultRow(q, kinds, method ?? null);
  return row ? toFault(row) : undefined;
}
