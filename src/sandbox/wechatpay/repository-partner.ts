import type { Queryable } from '../../db/db.js';
import { firstRow, rows, simSql } from '../_kit/sql.js';

/** A sub-merchant bound to a service provider, with the appids it may name as sub_appid. */
export interface SubMerchant {
  subMchid: string;
  spMchid: string;
  subAppids: string[];
}

export async function findSubMerchant(q: Queryable, subMchid: string): Promise<SubMerchant | undefined> {
  const row = await firstRow(
    q,
    simSql.selectFrom('wxsim_sub_merchants').selectAll().where('sub_mchid', '=', subMchid),
  );
  return row ? { subMchid: row.sub_mchid, spMchid: row.sp_mchid, subAppids: row.sub_appids } : undefined;
}

/**
 * Binds a sub-merchant to a service provider (or adds appids to its binding). A sub-merchant
 * already bound to another provider stays there: undefined.
 */
export async function bindSubMerchant(
  q: Queryable,
  binding: SubMerchant,
  now: Date,
): Promise<SubMerchant | undefined> {
  const existing = await findSubMerchant(q, binding.subMchid);
  if (existing && existing.spMchid !== binding.spMchid) return undefined;
  const appids = [...new Set([...(existing?.subAppids ?? []), ...binding.subAppids])];
  await rows(
    q,
    simSql
      .insertInto('wxsim_sub_merchants')
      .values({ sub_mchid: binding.subMchid, sp_mchid: binding.spMchid, sub_appids: appids, created_at: now })
      .onConflict((oc) => oc.column('sub_mchid').doUpdateSet({ sub_appids: appids })),
  );
  return { ...binding, subAppids: appids };
}
