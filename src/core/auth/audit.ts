import { insertAuditEntry } from '../../db/audit-log.js';
import type { Queryable } from '../../db/db.js';
import type { Core } from '../context.js';
import type { Actor } from './actors.js';

/** Appends to the audit log, in `q`'s transaction: who did what to which object, from where. */
export async function recordAudit(
  q: Queryable,
  core: Core,
  entry: {
    actor: Actor | undefined;
    ip: string;
    action: string;
    target: { type: string; id: string } | null;
    data: Record<string, unknown>;
  },
): Promise<void> {
  await insertAuditEntry(q, {
    id: core.ids.next('audit'),
    actorType: entry.actor?.type ?? 'anonymous',
    actorId: entry.actor?.id ?? null,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    data: entry.data,
    ip: entry.ip,
    createdAt: core.clock.now(),
  });
}
