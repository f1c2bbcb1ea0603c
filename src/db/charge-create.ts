import { sql as raw } from 'kysely';
import type { Charge } from '../domain/charge.js';
import type { Queryable } from './db.js';
import { type EventRecord, eventInsert, outboxInsert } from './event-records.js';
import { firstRow, rows, sql } from './sql.js';
import { type PaymentEntry, paymentEntryInsert } from './store-orders.js';

function chargeInsert(c: Charge, orderScope: string) {
  return sql.insertInto('charges').values({
    id: c.id,
    app_id: c.appId,
    store_id: c.storeId,
    livemode: c.livemode,
    dialect: c.dialect,
    order_no: c.orderNo,
    order_scope: orderScope,
    attempt: c.attempt,
    order_sn: c.orderSn,
    channel: c.channel,
    method: c.method,
    amount: c.amount,
    amount_original: c.amountOriginal,
    amount_discount: c.amountDiscount,
    amount_ignore: c.amountIgnore,
    amount_refunded: c.amountRefunded,
    currency: c.currency,
    subject: c.subject,
    body: c.body,
    description: c.description,
    client_ip: c.clientIp,
    extra: JSON.stringify(c.extra),
    metadata: JSON.stringify(c.metadata),
    credential: c.credential === null ? null : JSON.stringify(c.credential),
    status: c.status,
    transaction_no: c.transactionNo,
    failure_code: c.failureCode,
    failure_msg: c.failureMsg,
    return_url: c.returnUrl,
    notify_url: c.notifyUrl,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    expires_at: c.expiresAt,
    paid_at: c.paidAt,
    closed_at: c.closedAt,
  });
}

/**
 * Inserts a new charge with its `charge.created` event and outbox row, and a store
 * payment's order book entry when there is one, in one statement: one round trip, and
 * all of them commit together or not at all, inside or outside a transaction. Returns the
 * entry's serials (ord_mct_id, ord_shop_id) when it wrote one.
 */
export async function insertChargeRecorded(
  q: Queryable,
  r: { charge: Charge; orderScope: string; event: EventRecord; storeEntry?: PaymentEntry },
): Promise<{ ordMctId: number; ordShopId: number } | undefined> {
  const recorded = sql
    .with('charge_row', () => chargeInsert(r.charge, r.orderScope).returning('id'))
    .with('event_row', () => eventInsert(r.event))
    .with('outbox_row', () => outboxInsert(r.event.createdAt));
  if (!r.storeEntry) {
    await rows(q, recorded.selectNoFrom(raw<number>`1`.as('one')));
    return undefined;
  }
  const serials = await firstRow(
    q,
    recorded
      .with('entry_row', () => paymentEntryInsert(r.storeEntry!))
      .selectFrom('entry_row')
      .selectAll(),
  );
  return { ordMctId: Number(serials!.ord_mct_id), ordShopId: Number(serials!.ord_shop_id) };
}
