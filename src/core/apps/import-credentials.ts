import { findApp, lockApp } from '../../db/apps.js';
import { merchantExists } from '../../db/merchants.js';
import {
  findActiveCredentialByLookupHash,
  findActiveCredentialByPublicId,
} from '../../db/app-credentials.js';
import { type Queryable, isUniqueViolation } from '../../db/db.js';
import { findStoreByOpenId } from '../../db/stores.js';
import { JuheError } from '../../domain/errors.js';
import { tokenHash } from '../auth/tokens.js';
import type { Core } from '../context.js';
import type { CheckedMode } from './check-import.js';
import { type AppRecord, createApp, rsaKeyPair } from './create-app.js';
import {
  type CredentialKind,
  type CredentialSecrets,
  getAppCredential,
  insertCredential,
  listAppCredentials,
  revokeCredential,
} from './credentials.js';
import { createStore } from './stores.js';

/** Writes one audit entry in `q`'s transaction; the admin API and the CLI each say who acted. */
export type RecordAudit = (
  q: Queryable,
  action: string,
  target: { type: string; id: string },
  data: Record<string, unknown>,
) => Promise<void>;

export interface ImportedMode {
  mode: 'test' | 'live';
  credentials: { id: string; kind: CredentialKind; public_id: string }[];
  stores: { id: string; name: string; open_id: string }[];
  /** The key Paymax answers and webhooks of this mode are signed with (imported or kept or new). */
  platform_public_key?: string;
}

const conflict = (field: string, what: string) =>
  new JuheError('already_exists', `${field}: this ${what} is already used by another app or store`, field);

/** A credential of another app, or of this app's other mode (the public ids are unique across both). */
function takenElsewhere(
  row: { app_id: string; livemode: boolean } | undefined,
  appId: string,
  livemode: boolean,
): boolean {
  return !!row && (row.app_id !== appId || row.livemode !== livemode);
}

/** Refuses, with the field named, any imported id or secret another app already uses. */
async function assertUnused(q: Queryable, appId: string, m: CheckedMode, prefix: string): Promise<void> {
  const byPublic = (kind: string, id: string) => findActiveCredentialByPublicId(q, kind, id);
  if (m.maxpay && takenElsewhere(await byPublic('maxpay', m.maxpay.appId), appId, m.livemode))
    throw conflict(`${prefix}.maxpay.app_id`, 'MaxPay app id');
  if (m.paymax) {
    if (takenElsewhere(await byPublic('paymax', m.paymax.appKey), appId, m.livemode))
      throw conflict(`${prefix}.paymax.app_key`, 'Paymax app key');
    const bySecret = await findActiveCredentialByLookupHash(q, 'paymax', tokenHash(m.paymax.secretKey));
    if (takenElsewhere(bySecret, appId, m.livemode))
      throw conflict(`${prefix}.paymax.secret_key`, 'Paymax secret key');
  }
  if (m.unified && takenElsewhere(await byPublic('unified', m.unified.domainCode), appId, m.livemode))
    throw conflict(`${prefix}.unified.domain_code`, 'domainCode');
  for (const [i, s] of m.stores.entries()) {
    if (await findStoreByOpenId(q, s.openId)) throw conflict(`${prefix}.stores[${i}].open_id`, 'open_id');
  }
}

/**
 * Puts one imported credential in place of the app's current one of that kind and mode
 * (revoked, as a rotation does). A unique index refusing it (two imports racing, or the
 * same id twice in one document) is the same 409, naming the field.
 */
async function replaceCredential<K extends CredentialKind>(
  q: Queryable,
  core: Core,
  c: {
    appId: string;
    livemode: boolean;
    kind: K;
    publicId: string;
    secrets: CredentialSecrets[K];
    attrs?: Record<string, unknown>;
    lookupSecret?: string;
    field: string;
  },
): Promise<{ id: string; kind: CredentialKind; public_id: string }> {
  const now = core.clock.now();
  const current = (await listAppCredentials(q, core.box, c.appId)).filter(
    (x) => x.kind === c.kind && x.livemode === c.livemode,
  );
  for (const old of current) await revokeCredential(q, old.id, now);
  const id = core.ids.next('credential');
  try {
    await insertCredential(q, core.box, { ...c, id, now });
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict(c.field, c.kind === 'platform' ? 'key' : `${c.kind} credential`);
    throw error;
  }
  return { id, kind: c.kind, public_id: c.publicId };
}

async function importMode(
  q: Queryable,
  core: Core,
  app: AppRecord,
  m: CheckedMode,
  record: RecordAudit,
): Promise<ImportedMode> {
  const mode = m.livemode ? 'live' : 'test';
  await assertUnused(q, app.id, m, mode);
  const base = { appId: app.id, livemode: m.livemode };
  const credentials: ImportedMode['credentials'] = [];
  if (m.maxpay) {
    credentials.push(
      await replaceCredential(q, core, {
        ...base,
        kind: 'maxpay',
        publicId: m.maxpay.appId,
        secrets: { masterKey: m.maxpay.masterKey, sessionTokens: m.maxpay.sessionTokens },
        field: `${mode}.maxpay.app_id`,
      }),
    );
  }
  let platformPublicKey: string | undefined;
  if (m.paymax) {
    credentials.push(
      await replaceCredential(q, core, {
        ...base,
        kind: 'paymax',
        publicId: m.paymax.appKey,
        secrets: { secretKey: m.paymax.secretKey },
        lookupSecret: m.paymax.secretKey,
        attrs: { merchantPublicKeyPem: m.paymax.merchantPublicKeyPem },
        field: `${mode}.paymax.app_key`,
      }),
    );
    // Paymax answers need a platform key: the one the clients trust, else the app's own, else a new one.
    const existing = await getAppCredential(q, core.box, app.id, 'platform', m.livemode);
    const pair = m.paymax.platform ?? (existing ? undefined : rsaKeyPair());
    if (pair) {
      credentials.push(
        await replaceCredential(q, core, {
          ...base,
          kind: 'platform',
          publicId: `pk_${core.ids.secret(12)}`,
          secrets: { privateKeyPem: pair.privateKeyPem },
          attrs: { publicKeyPem: pair.publicKeyPem },
          field: `${mode}.paymax.platform_public_key`,
        }),
      );
    }
    platformPublicKey = pair?.publicKeyPem ?? (existing?.attrs.publicKeyPem as string | undefined);
  }
  if (m.unified) {
    credentials.push(
      await replaceCredential(q, core, {
        ...base,
        kind: 'unified',
        publicId: m.unified.domainCode,
        secrets: { domainSecret: m.unified.domainSecret },
        field: `${mode}.unified.domain_code`,
      }),
    );
  }
  const stores: ImportedMode['stores'] = [];
  for (const [i, s] of m.stores.entries()) {
    let store;
    try {
      store = await createStore(q, core, {
        ...base,
        name: s.name,
        openId: s.openId,
        openKey: s.openKey,
        shopPassSha1: s.shopPassSha1,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`${mode}.stores[${i}].open_id`, 'open_id');
      throw error;
    }
    await record(q, 'store.import', { type: 'store', id: store.id }, { mode, open_id: s.openId });
    stores.push({ id: store.id, name: store.name, open_id: store.openId });
  }
  // What was imported, never a secret: kinds and public ids only.
  await record(
    q,
    'app.credentials.import',
    { type: 'app', id: app.id },
    {
      mode,
      credentials: credentials.map((c) => ({ kind: c.kind, public_id: c.public_id })),
      stores: stores.map((s) => s.open_id),
      platform_key: m.paymax?.platform ? 'imported' : undefined,
    },
  );
  return { mode, credentials, stores, platform_public_key: platformPublicKey };
}

/**
 * Imports every credential of `modes` into an existing app, in `q`'s transaction with the
 * app's row locked (a rotation or another import waits). All or nothing: the first
 * conflict (409) rolls back what the earlier modes wrote.
 */
export async function importCredentials(
  q: Queryable,
  core: Core,
  appId: string,
  modes: CheckedMode[],
  record: RecordAudit,
): Promise<ImportedMode[]> {
  if (!(await lockApp(q, appId))) throw new JuheError('app_not_found', undefined, 'id');
  const row = (await findApp(q, appId))!;
  const app = { id: row.id, merchantId: row.merchant_id, name: row.name, createdAt: row.created_at };
  const imported: ImportedMode[] = [];
  for (const m of modes) imported.push(await importMode(q, core, app, m, record));
  return imported;
}

/** Creates an app of an existing merchant from an import document (`juhe app import`, POST /apps/import). */
export async function importApp(
  q: Queryable,
  core: Core,
  p: { merchantId: string; name: string },
  modes: CheckedMode[],
  record: RecordAudit,
): Promise<{ app: AppRecord; imported: ImportedMode[] }> {
  if (!(await merchantExists(q, p.merchantId)))
    throw new JuheError('not_found', 'No such merchant', 'merchant');
  const app = await createApp(q, core, p);
  await record(q, 'app.create', { type: 'app', id: app.id }, { imported: true });
  const imported: ImportedMode[] = [];
  for (const m of modes) imported.push(await importMode(q, core, app, m, record));
  return { app, imported };
}
