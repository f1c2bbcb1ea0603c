import * as aliases from '../../db/store-pay-tag-aliases.js';
import { findStore } from '../../db/stores.js';
import type { Queryable } from '../../db/db.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';

/** The providers a bank tag can name: the ones a store API's scanning tags pay with. */
export const ALIAS_PROVIDERS = ['alipay', 'wechatpay'] as const;
export type AliasProvider = (typeof ALIAS_PROVIDERS)[number];

/** Letters first, then letters, digits or `_`, at most 20 (the document's pmt_tag length). */
export const ALIAS_TAG_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,19}$';

export interface PayTagAlias {
  tag: string;
  provider: AliasProvider;
  /** What paylist shows as pmt_name; null: the provider's usual name. */
  name: string | null;
  createdAt: Date;
}

const toAlias = (r: {
  tag: string;
  provider: string;
  name: string | null;
  created_at: Date;
}): PayTagAlias => ({
  tag: r.tag,
  provider: r.provider as AliasProvider,
  name: r.name,
  createdAt: r.created_at,
});

/** A store's aliases, oldest first (the order paylist lists them in). */
export async function listPayTagAliases(q: Queryable, storeId: string): Promise<PayTagAlias[]> {
  return (await aliases.listPayTagAliases(q, storeId)).map(toAlias);
}

export async function findPayTagAlias(
  q: Queryable,
  storeId: string,
  tag: string,
): Promise<PayTagAlias | undefined> {
  const row = await aliases.findPayTagAlias(q, storeId, tag);
  return row && toAlias(row);
}

/**
 * Creates or changes one alias. `reservedTags` are the dialect's built-in tags: an alias
 * may not shadow one, in any letter case, because tags are case-sensitive on the wire and
 * `alipay` next to `Alipay` would make a till's typo pay through the wrong entry.
 */
export async function setPayTagAlias(
  q: Queryable,
  core: Core,
  storeId: string,
  alias: { tag: string; provider: AliasProvider; name: string | null },
  reservedTags: readonly string[],
): Promise<PayTagAlias> {
  if (!new RegExp(ALIAS_TAG_PATTERN).test(alias.tag)) {
    throw new JuheError(
      'invalid_parameter',
      'A pay tag is 1-20 letters, digits or _, starting with a letter',
      'tag',
    );
  }
  if (reservedTags.some((t) => t.toLowerCase() === alias.tag.toLowerCase())) {
    throw new JuheError('already_exists', `${alias.tag} is a built-in pay tag`, 'tag');
  }
  if (!(await findStore(q, storeId))) throw new JuheError('store_not_found', undefined, 'id');
  const row = await aliases.upsertPayTagAlias(q, {
    storeId,
    tag: alias.tag,
    provider: alias.provider,
    name: alias.name,
    createdAt: core.clock.now(),
  });
  return toAlias(row);
}

export async function removePayTagAlias(q: Queryable, storeId: string, tag: string): Promise<void> {
  if (!(await aliases.deletePayTagAlias(q, storeId, tag))) {
    throw new JuheError('not_found', `This store has no pay tag ${tag}`, 'tag');
  }
}
