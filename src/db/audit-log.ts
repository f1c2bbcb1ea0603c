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
  /** An exact action, or a family: `webhook_endpoint.*`. */
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
  startingAfter?: string;
}

/** Newest first; `limit + 1` rows so the caller knows whether there is more. */
export function listAuditLog(q: Queryable, f: AuditLogFilter, limit: number) {
  let query = sql.selectFrom('audit_log').selectAll();
  if (f.action !== undefined) {
    query = f.action.endsWith('.*')
      ? query.where('action', 'like', `${f.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`)
      : query.where('action', '=', f.action);
  }
  if (f.actorId !== undefined) query = query.where('actor_id', '=', f.actorId);
  if (f.targetType !== undefined) query = query.where('target_type', '=', f.targetType);
  if (f.targetId !== undefined) query = query.where('target_id', '=', f.targetId);
  if (f.since !== undefined) query = query.where('created_at', '>=', f.since);
  if (f.until !== undefined) query = query.where('created_at', '<', f.until);
  if (f.startingAfter !== undefined) query = query.where(beforeRow('audit_log', f.startingAfter));
  return rows(
    q,
    query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1),
  );
}
