import type { Selectable } from 'kysely';
import {
  findActiveCredentialByLookupHash,
  findActiveCredentialByPublicId,
  findNewestAppCredential,
  insertAppCredential,
  listActiveAppCredentials,
  revokeAppCredential,
} from '../../db/app-credentials.js';
import type { Queryable } from '../../db/db.js';
import type { AppCredentials } from '../../db/schema.js';
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

type CredentialRow = Selectable<AppCredentials>;

function toCredential<K extends CredentialKind>(box: SecretBox, row: CredentialRow): Credential<K> {
  return {
    id: row.id,
    appId: row.app_id,
    kind: row.kind as K,
    livemode: row.livemode,
    publicId: row.public_id,
    secrets: box.openJson<CredentialSecrets[K]>(row.secrets_enc),
    attrs: (row.attrs ?? {}) as Record<string, any>,
    createdAt: row.created_at,
  };
}

export async function findCredentialByPublicId<K extends CredentialKind>(
  q: Queryable,
  box: SecretBox,
  kind: K,
  publicId: string,
): Promise<Credential<K> | undefined> {
  const row = await findActiveCredentialByPublicId(q, kind, publicId);
  return row ? toCredential<K>(box, row) : undefined;
}

/** Finds a credential by one of its secrets (Paymax sends only the secret key). */
export async function findCredentialBySecret<K extends CredentialKind>(
  q: Queryable,
  box: SecretBox,
  kind: K,
  secret: string,
): Promise<Credential<K> | undefined> {
  const row = await findActiveCredentialByLookupHash(q, kind, tokenHash(secret));
  return row ? toCredential<K>(box, row) : undefined;
}

export async function getAppCredential<K extends CredentialKind>(
  q: Queryable,
  box: SecretBox,
  appId: string,
  kind: K,
  livemode: boolean,
): Promise<Credential<K> | undefined> {
  const row = await findNewestAppCredential(q, appId, kind, livemode);
  return row ? toCredential<K>(box, row) : undefined;
}

export async function listAppCredentials(q: Queryable, box: SecretBox, appId: string): Promise<Credential[]> {
  return (await listActiveAppCredentials(q, appId)).map((row) => toCredential(box, row));
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
  await insertAppCredential(q, {
    id: c.id,
    appId: c.appId,
    kind: c.kind,
    livemode: c.livemode,
    publicId: c.publicId,
    lookupHash: c.lookupSecret ? tokenHash(c.lookupSecret) : null,
    secretsEnc: box.sealJson(c.secrets),
    attrs: c.attrs ?? {},
    createdAt: c.now,
  });
}

export async function revokeCredential(q: Queryable, id: string, now: Date): Promise<void> {
  await revokeAppCredential(q, id, now);
}
