import { findActiveToken, touchApiToken } from '../../db/api-tokens.js';
import { findSessionUser } from '../../db/sessions.js';
import type { Core } from '../context.js';
import type { Role } from './roles.js';

/** Who a request acts as: a signed-in user (session) or an API token with its own role. */
export interface Actor {
  type: 'user' | 'token';
  id: string;
  userId: string;
  role: Role;
}

export async function tokenActor(core: Core, hash: string): Promise<Actor | undefined> {
  const row = await findActiveToken(core.db, hash);
  if (!row) return undefined;
  touchToken(core, row.id, row.last_used_at);
  return { type: 'token', id: row.id, userId: row.user_id, role: row.role as Role };
}

export async function sessionActor(core: Core, hash: string): Promise<Actor | undefined> {
  const row = await findSessionUser(core.db, hash, core.clock.now());
  return row ? { type: 'user', id: row.user_id, userId: row.user_id, role: row.role as Role } : undefined;
}

const TOUCH_EVERY_MS = 60_000;

/**
 * Records when a token was last used, at most once a minute and off the request path:
 * writing the row on every request would serialise all callers of one token on its lock.
 */
function touchToken(core: Core, id: string, lastUsedAt: Date | null): void {
  const now = core.clock.now();
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < TOUCH_EVERY_MS) return;
  touchApiToken(core.db, id, now, new Date(now.getTime() - TOUCH_EVERY_MS)).catch((error) =>
    core.log.warn({ err: error }, 'could not record token use'),
  );
}
