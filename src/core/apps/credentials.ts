import type { Queryable } from '../../db/db.js';
import { tokenHash } from '../auth/tokens.js';
import type { SecretBox } from '../secret-box.js';

/**
 * Each dialect's credentials are keys of an app (DESIGN.md, Model). Secrets are sealed
 * with the master key; the public half (app id, app key, domainCode) is the lookup key,
 * and a Paymax secret key is found through its sha256, never stored in the clear.
 */
export interface CredentialSecrets {
  maxpay: { masterKey: string; sessionTokens: string[] };
  paymax: { secretKey: string };
  unified: { domainSecret: string };
  platform: { privateKeyPem: string };
}
export type CredentialKind = keyof CredentialSecrets;

export interface Credential<K extends CredentialKind = CredentialKind> {
  id: string;
  appId: string;
  kind: K;
  livemode: boolean;
  publicId: string;
  secrets: CredentialSecrets[K];
  /** Non-secret attributes: paymax {merchantPublicKeyPem}, platform {publicKeyPem}. */
  attrs: Record<string, any>;
  createdAt: Date;
}

interface CredentialRow {
  id: string;
  app_id: string;
  kind: CredentialKind;
  livemode: boolean;
  public_id: string;
  secrets_enc: string;
  attrs: Record<string, unknown>;
  created_at: Date;
}

const ACTIVE = 'revoked_at IS NULL';

function toCredential<K extends CredentialKind>(box: SecretBox, row: CredentialRow): Credential<K> {
  return {
    id: row.id,
    appId: row.app_id,
    kind: row.kind as K,
    livemode: row.livemode,
    publicId: row.public_id,
    secrets: box.openJson<CredentialSecrets[K]>(row.secrets_enc),
    attrs: row.attrs ?? {},
    createdAt: row.created_at,
  };
}

export async function findCredentialByPublicId<K extends CredentialKind>(
  q: Queryable,
  box: SecretBox,
  kind: K,
  publicId: string,
): Promise<Credential<K> | undefined> {
  const [row] = await q.query<CredentialRow>(
    `SELECT * FROM app_credentials WHERE kind = $1 AND public_id = $2 AND ${ACTIVE}`,
    [kind, publicId],
  );
  return row ? toCredential<K>(box, row) : undefined;
}

/** Finds a credential by one of its secrets (Paymax sends only the secret key). */
export async function findCredentialBySecret<K extends CredentialKind>(
  q: Queryable,
  box: SecretBox,
  kind: K,
  secret: string,
): Promise<Credential<K> | undefined> {
  const [row] = await q.query<CredentialRow>(
    `SELECT * FROM app_credentials WHERE kind = $1 AND lookup_hash = $2 AND ${ACTIVE}`,
    [kind, tokenHash(secret)],
  );
  return row ? toCredential<K>(box, row) : undefined;
}

export async function getAppCredential<K extends CredentialKind>(
  q: Queryable,
  box: SecretBox,
  appId: string,
  kind: K,
  livemode: boolean,
): Promise<Credential<K> | undefined> {
  const [row] = await q.query<CredentialRow>(
    `SELECT * FROM app_credentials WHERE app_id = $1 AND kind = $2 AND livemode = $3 AND ${ACTIVE}
     ORDER BY created_at DESC LIMIT 1`,
    [appId, kind, livemode],
  );
  return row ? toCredential<K>(box, row) : undefined;
}

export async function listAppCredentials(q: Queryable, box: SecretBox, appId: string): Promise<Credential[]> {
  const rows = await q.query<CredentialRow>(
    `SELECT * FROM app_credentials WHERE app_id = $1 AND ${ACTIVE} ORDER BY kind, livemode, created_at`,
    [appId],
  );
  return rows.map((row) => toCredential(box, row));
}

export interface CredentialInsert<K extends CredentialKind> {
  id: string;
  appId: string;
  kind: K;
  livemode: boolean;
  publicId: string;
  secrets: CredentialSecrets[K];
  attrs?: Record<string, unknown>;
  /** The secret whose hash is the lookup key (Paymax secret key). */
  lookupSecret?: string;
  now: Date;
}

export async function insertCredential<K extends CredentialKind>(
  q: Queryable,
  box: SecretBox,
  c: CredentialInsert<K>,
): Promise<void> {
  await q.query(
    `INSERT INTO app_credentials (id, app_id, kind, livemode, public_id, lookup_hash, secrets_enc, attrs, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      c.id,
      c.appId,
      c.kind,
      c.livemode,
      c.publicId,
      c.lookupSecret ? tokenHash(c.lookupSecret) : null,
      box.sealJson(c.secrets),
      JSON.stringify(c.attrs ?? {}),
      c.now,
    ],
  );
}

export async function revokeCredential(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query(`UPDATE app_credentials SET revoked_at = $2 WHERE id = $1 AND ${ACTIVE}`, [id, now]);
}
