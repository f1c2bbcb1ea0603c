import * as apiTokens from '../../db/api-tokens.js';
import type { Queryable } from '../../db/db.js';
import * as sessions from '../../db/sessions.js';
import * as users from '../../db/users.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { ROLE_PERMISSIONS, canGrant } from './permissions.js';
import { ROLES, type Role } from './roles.js';

export type UserChange = { role?: Role; name?: string | null } | { disabled: boolean };

export interface ChangedUser {
  user: NonNullable<Awaited<ReturnType<typeof users.updateUser>>>;
  /** Tokens revoked because they now exceed their owner (or the owner was disabled). */
  revokedTokens: string[];
}

/**
 * Changes another user's role or name, or disables / enables them, in `q`'s transaction.
 * An actor may touch only users whose role (old and new) it could grant, never itself (no
 * one locks themselves out or promotes themselves). A disabled user's sessions end and
 * tokens stop at once; a demoted user's sessions end and the tokens that now exceed the
 * new role are revoked, so a token never carries more than its owner.
 */
export async function changeUser(
  q: Queryable,
  core: Core,
  actor: { userId: string; role: Role },
  userId: string,
  change: UserChange,
): Promise<ChangedUser> {
  if (userId === actor.userId) {
    throw new JuheError('forbidden', 'You cannot change your own role or disable yourself', 'id');
  }
  const current = await users.lockUser(q, userId);
  if (!current) throw new JuheError('not_found', 'No such user', 'id');
  if (!canGrant(actor.role, current.role as Role)) {
    throw new JuheError('forbidden', `A ${actor.role} cannot change a ${current.role}`, 'id');
  }
  const now = core.clock.now();
  if ('disabled' in change) {
    const user = await users.updateUser(q, userId, { disabledAt: change.disabled ? now : null });
    if (!change.disabled) return { user: user!, revokedTokens: [] };
    await sessions.deleteSessionsOfUser(q, userId);
    return { user: user!, revokedTokens: [] }; // tokens of a disabled user stop working as they are
  }
  if (change.role && !canGrant(actor.role, change.role)) {
    throw new JuheError('forbidden', `A ${actor.role} cannot make a user ${change.role}`, 'role');
  }
  const user = await users.updateUser(q, userId, { role: change.role, name: change.name });
  let revokedTokens: string[] = [];
  if (change.role && change.role !== current.role) {
    await sessions.deleteSessionsOfUser(q, userId);
    const keep = ROLES.filter((r) =>
      [...ROLE_PERMISSIONS[r]].every((p) => ROLE_PERMISSIONS[change.role!].has(p)),
    );
    revokedTokens = await apiTokens.revokeTokensOfUserExcept(q, userId, keep, now);
  }
  return { user: user!, revokedTokens };
}
