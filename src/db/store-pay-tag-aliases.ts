import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** A store's own pmt_tag names (migration 0415): each names a provider of that store. */
export function listPayTagAliases(q: Queryable, storeId: string) {
  return rows(
    q,
    sql
      .selectFrom('store_pay_tag_aliases')
      .select(['tag', 'provider', 'name', 'created_at'])
      .where('store_id', '=', storeId)
      .orderBy('created_at')
      .orderBy('tag'),
  );
}

export function findPayTagAlias(q: Queryable, storeId: string, tag: string) {
  return firstRow(
    q,
    sql
      .selectFrom('store_pay_tag_aliases')
      .select(['tag', 'provider', 'name', 'created_at'])
      .where('store_id', '=', storeId)
      .where('tag', '=', tag),
  );
}

/** Creates the alias or changes what it names; returns the stored row. */
export async function upsertPayTagAlias(
  q: Queryable,
  a: { storeId: string; tag: string; provider: string; name: string | null; createdAt: Date },
) {
  const [row] = await rows(
    q,
    sql
      .insertInto('store_pay_tag_aliases')
      .values({
        store_id: a.storeId,
        tag: a.tag,
        provider: a.provider,
        name: a.name,
        created_at: a.createdAt,
      })
      .onConflict((oc) => oc.columns(['store_id', 'tag']).doUpdateSet({ provider: a.provider, name: a.name }))
      .returning(['tag', 'provider', 'name', 'created_at']),
  );
  return row!;
}

/** Removes the alias; false when the store had none by that name. Its past orders keep the tag. */
export async function deletePayTagAlias(q: Queryable, storeId: string, tag: string): Promise<boolean> {
  const gone = await rows(
    q,
    sql
      .deleteFrom('store_pay_tag_aliases')
      .where('store_id', '=', storeId)
      .where('tag', '=', tag)
      .returning('tag'),
  );
  return gone.length > 0;
}
