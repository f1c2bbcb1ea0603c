import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** Dialect credentials of apps: sealed secrets, found by their public half or a secret's hash. */
const active = () => sql.selectFrom('app_credentials').selectAll().where('revoked_at', 'is', null);

export function findActiveCredentialByPublicId(q: Queryable, kind: string, publicId: string) {
  return firstRow(q, active().where('kind', '=', kind).where('public_id', '=', publicId));
}

export function findActiveCredentialByLookupHash(q: Queryable, kind: string, lookupHash: string) {
  return firstRow(q, active().where('kind', '=', kind).where('lookup_hash', '=', lookupHash));
}

/** The newest active credential of a kind for an app and mode. */
export function findNewestAppCredential(q: Queryable, appId: string, kind: string, livemode: boolean) {
  return firstRow(
    q,
    active()
      .where('app_id', '=', appId)
      .where('kind', '=', kind)
      .where('livemode', '=', livemode)
      .orderBy('created_at', 'desc')
      .limit(1),
  );
}

export function listActiveAppCredentials(q: Queryable, appId: string) {
  return rows(
    q,
    active().where('app_id', '=', appId).orderBy('kind').orderBy('livemode').orderBy('created_at'),
  );
}

export async function insertAppCredential(
  q: Queryable,
  c: {
    id: string;
    appId: string;
    kind: string;
    livemode: boolean;
    publicId: string;
    lookupHash: string | null;
    secretsEnc: string;
    attrs: Record<string, unknown>;
    createdAt: Date;
  },
): Promise<void> {
  await rows(
    q,
    sql.insertInto('app_credentials').values({
      id: c.id,
      app_id: c.appId,
      kind: c.kind,
      livemode: c.livemode,
      public_id: c.publicId,
      lookup_hash: c.lookupHash,
      secrets_enc: c.secretsEnc,
      attrs: JSON.stringify(c.attrs),
      created_at: c.createdAt,
    }),
  );
}

export async function revokeAppCredential(q: Queryable, id: string, now: Date): Promise<void> {
  await rows(
    q,
    sql
      .updateTable('app_credentials')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null),
  );
}
