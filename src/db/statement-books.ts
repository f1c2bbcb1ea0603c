import { type ExpressionBuilder, sql as raw } from 'kysely';
import type { Queryable } from './db.js';
import type { DB } from './schema.js';
import { rows, sql } from './sql.js';

/** Whose books a reconciliation reads: an app's own config, or (appId null) a simulator's default merchant. */
export interface BooksScope {
  provider: string;
  livemode: boolean;
  appId: string | null;
}

/** A charge or refund the gateway holds for a day, as the upstream knows it. */
export interface BookEntry {
  kind: 'payment' | 'refund';
  /** The charge's order_sn (what the connector sent as the merchant order number). */
  outTradeNo: string;
  /** A refund's id. */
  outRefundNo?: string;
}

const PAGE = 1000;

/** The scope's charges: its app's, or those of apps that use the simulator's default merchant. */
function inScope(eb: ExpressionBuilder<DB, 'charges'>, s: BooksScope) {
  const own = [eb('charges.channel', '=', s.provider), eb('charges.livemode', '=', s.livemode)];
  if (s.appId !== null) return eb.and([...own, eb('charges.app_id', '=', s.appId)]);
  return eb.and([
    ...own,
    eb.not(
      eb.exists(
        eb
          .selectFrom('channel_configs as cc')
          .select(eb.lit(1).as('one'))
          .whereRef('cc.app_id', '=', 'charges.app_id')
          .whereRef('cc.livemode', '=', 'charges.livemode')
          .whereRef('cc.provider', '=', 'charges.channel')
          .where(
            raw<boolean>`NOT (cc.settings @> '{"simulator": true}' OR cc.settings @> '{"simulator": "true"}')`,
          ),
      ),
    ),
  ]);
}

/**
 * Every charge of the scope created in [start, end), then every refund of the scope created
 * then, a page at a time: what a provider without a statement file is asked about, one by one.
 */
export async function* dayBooks(
  q: Queryable,
  scope: BooksScope,
  range: { start: Date; end: Date },
): AsyncGenerator<BookEntry> {
  for (let after = ''; ;) {
    const page = await rows(
      q,
      sql
        .selectFrom('charges')
        .select(['charges.id', 'charges.order_sn'])
        .where((eb) => inScope(eb, scope))
        .where('charges.created_at', '>=', range.start)
        .where('charges.created_at', '<', range.end)
        .where('charges.id', '>', after)
        .orderBy('charges.id')
        .limit(PAGE),
    );
    for (const c of page) yield { kind: 'payment', outTradeNo: c.order_sn };
    if (page.length < PAGE) break;
    after = page[page.length - 1].id;
  }
  for (let after = ''; ;) {
    const page = await rows(
      q,
      sql
        .selectFrom('refunds')
        .innerJoin('charges', 'charges.id', 'refunds.charge_id')
        .select(['refunds.id', 'charges.order_sn'])
        .where((eb) => inScope(eb as never, scope))
        .where('refunds.created_at', '>=', range.start)
        .where('refunds.created_at', '<', range.end)
        .where('refunds.id', '>', after)
        .orderBy('refunds.id')
        .limit(PAGE),
    );
    for (const r of page) yield { kind: 'refund', outTradeNo: r.order_sn, outRefundNo: r.id };
    if (page.length < PAGE) break;
    after = page[page.length - 1].id;
  }
}
