import * as apps from '../../db/apps.js';
import type { Queryable } from '../../db/db.js';
import { listMerchants as listMerchantRows, merchantExists } from '../../db/merchants.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { type IssuedCredentials, createApp, issueCredentials } from './create-app.js';
import { listAppCredentials, revokeCredential } from './credentials.js';

/** Merchants and apps as the console reads them; the writes are in create-app.ts. */
export const listMerchants = (core: Core) => listMerchantRows(core.db);

export async function listApps(core: Core, merchantId?: string) {
  return (await apps.listApps(core.db, merchantId)).map((r) => ({
    id: r.id,
    merchantId: r.merchant_id,
    name: r.name,
    createdAt: r.created_at,
  }));
}

export async function findApp(q: Queryable, id: string) {
  const row = await apps.findApp(q, id);
  return row && { id: row.id, merchantId: row.merchant_id, name: row.name, createdAt: row.created_at };
}

/** Creates an app of an existing merchant with its test-mode credentials, in `q`'s transaction. */
export async function createAppWithCredentials(
  q: Queryable,
  core: Core,
  p: { merchantId: string; name: string; merchantPublicKeyPem?: string },
) {
  if (!(await merchantExists(q, p.merchantId)))
    throw new JuheError('not_found', 'No such merchant', 'merchant');
  const created = await createApp(q, core, { merchantId: p.merchantId, name: p.name });
  const test = await issueCredentials(q, core, {
    appId: created.id,
    livemode: false,
    merchantPublicKeyPem: p.merchantPublicKeyPem,
  });
  return { created, test };
}

/**
 * Revokes every credential of the mode and issues new ones, in `q`'s transaction, the app's
 * row locked so two rotations do not interleave. The Paymax merchant public key carries over
 * unless a new one is given.
 */
export async function rotateCredentials(
  q: Queryable,
  core: Core,
  p: { appId: string; livemode: boolean; merchantPublicKeyPem?: string },
): Promise<IssuedCredentials> {
  if (!(await apps.lockApp(q, p.appId))) throw new JuheError('app_not_found', undefined, 'id');
  const old = (await listAppCredentials(q, core.box, p.appId)).filter((c) => c.livemode === p.livemode);
  for (const c of old) await revokeCredential(q, c.id, core.clock.now());
  return issueCredentials(q, core, {
    appId: p.appId,
    livemode: p.livemode,
    merchantPublicKeyPem:
      p.merchantPublicKeyPem ??
      (old.find((c) => c.kind === 'paymax')?.attrs.merchantPublicKeyPem as string | undefined),
  });
}
