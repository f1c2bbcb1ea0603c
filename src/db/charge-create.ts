import { type Insertable, sql as raw } from 'kysely';
import type { Charge } from '../domain/charge.js';
import type { Queryable } from './db.js';
import {
  EVENT_COLUMNS,
  type EventRecord,
  type EventValues,
  eventInsert,
  eventValues,
  outboxInsert,
} from './event-records.js';
import { columnsOf, prepared } from './prepared.js';
import type { Charges } from './schema.js';
import { sql } from './sql.js';
import {
  PAYMENT_ENTRY_COLUMNS,
  type PaymentEntry,
  paymentEntryInsert,
  paymentEntryValues,
} from './store-orders.js';

const CHARGE_COLUMNS = [
  'id',
  'app_id',
  'store_id',
  'livemode',
  'dialect',
  'order_no',
  'order_scope',
  'attempt',
  'order_sn',
  'channel',
  'method',
  'amount',
  'amount_original',
  'amount_discount',
  'amount_ignore',
  'amount_refunded',
  'currency',
  'subject',
  'body',
  'description',
  'client_ip',
  'extra',
  'metadata',
  'credential',
  'status',
  'transaction_no',
  'failure_code',
  'failure_msg',
  'return_url',
  'notify_url',
  'created_at',
  'updated_at',
  'expires_at',
  'paid_at',
  'closed_at',
] as const;

type PaymentEntryColumn = (typeof PAYMENT_ENTRY_COLUMNS)[number];
type ChargeValues = Insertable<Charges> & Record<(typeof CHARGE_COLUMNS)[number], unknown>;

function chargeValues(c: Charge, orderScope: string): ChargeValues {
  return {
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
  };
}

/** The values of the one-statement create, by group: each is bound by its columns' names. */
interface Recorded {
  charge: ChargeValues;
  event: EventValues;
}

/** Charge, event and outbox row as data-modifying CTEs of one statement. */
const recorded = (p: Recorded) =>
  sql
    .with('charge_row', () =>
      sql.insertInto('charges').values(columnsOf(p.charge, CHARGE_COLUMNS)).returning('id'),
    )
    .with('event_row', () => eventInsert(columnsOf(p.event, EVENT_COLUMNS)))
    .with('outbox_row', () => outboxInsert(p.event.created_at));

// Compiled once each: the create is the hot path (prepared.ts).
const chargeStatement = prepared<Recorded>()((p) => recorded(p).selectNoFrom(raw<number>`1`.as('one')));
const storeChargeStatement = prepared<Recorded & { entry: Record<PaymentEntryColumn, unknown> }>()((p) =>
  recorded(p)
    .with('entry_row', () =>
      // Its insert takes placeholders of any type: two of its values name sequences, not columns.
      paymentEntryInsert(columnsOf(p.entry, PAYMENT_ENTRY_COLUMNS) as Record<PaymentEntryColumn, never>),
    )
    .selectFrom('entry_row')
    .selectAll(),
);

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
  const charge = chargeValues(r.charge, r.orderScope);
  const event = eventValues(r.event);
  if (!r.storeEntry) {
    await chargeStatement.run(q, { charge, event });
    return undefined;
  }
  const entry = paymentEntryValues(r.storeEntry);
  const [serials] = await storeChargeStatement.run(q, { charge, event, entry });
  return { ordMctId: Number(serials!.ord_mct_id), ordShopId: Number(serials!.ord_shop_id) };
}
