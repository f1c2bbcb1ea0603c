import type { Queryable } from './db.js';
import { beforeRow } from './keyset.js';
import { rows, sql } from './sql.js';

/** The audit log: append-only, who did what to which object, from where. */
export interface AuditEntry {
  id: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  ip: string | null;
  createdAt: Date;
}

export async function insertAuditEntry(q: Queryable, e: AuditEntry): Promise<void> {
  await rows(
    q,
    sql.insertInto('audit_log').values({
      id: e.id,
      actor_type: e.actorType,
      actor_id: e.actorId,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      data: JSON.stringify(e.data),
      ip: e.ip,
      created_at: e.createdAt,
    }),
  );
}

export interface AuditLogFilter {
  action?: string;
  targetId?: string;
  startingAfter?: string;
}

/** Newest first; `limit + 1` rows so the caller knows whether there is more. */
export function listAuditLog(q: Queryable, f: AuditLogFilter, limit: number) {
  let query = sql.selectFrom('audit_log').selectAll();
  if (f.action !== undefined) query = query.where('action', '=', f.action);
  if (f.targetId !== undefined) query = query.where('target_id', '=', f.targetId);
  if (f.startingAfter !== undefined) query = query.where(beforeRow('audit_log', f.startingAfter));
  return rows(
    q,
    query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1),
  );
}
