import { Type } from '@sinclair/typebox';
import type { ChargeListParams } from '../../core/payments/list-charges.js';
import { METHODS, PROVIDERS } from '../../domain/channels.js';
import { CHARGE_STATUSES, type ChargeStatus } from '../../domain/status.js';
import { parseOptionalDateTime } from '../admin-input.js';

export const literalUnion = (values: readonly string[], options: object = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

/** The filters of a charge listing, shared by the list and its export. */
export const ChargeFilterQuery = {
  app: Type.Optional(Type.String()),
  store: Type.Optional(Type.String()),
  // One or several (`status=pending&status=user_paying`): the console's "unpaid" is two statuses.
  status: Type.Optional(Type.Array(literalUnion(CHARGE_STATUSES), { maxItems: CHARGE_STATUSES.length })),
  channel: Type.Optional(literalUnion(PROVIDERS)),
  method: Type.Optional(literalUnion(METHODS)),
  refunded: Type.Optional(
    literalUnion(['none', 'partial', 'full'], {
      description: 'none: nothing refunded; partial: part of the amount; full: all of it',
    }),
  ),
  amount_gte: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  amount_lte: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  order_no: Type.Optional(Type.String({ maxLength: 64 })),
  any_no: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        "Any order number: the merchant's order_no, the charge id or order_sn, or the upstream transaction_no",
    }),
  ),
  mode: Type.Optional(literalUnion(['test', 'live'])),
  created_gte: Type.Optional(Type.String({ format: 'date-time' })),
  created_lte: Type.Optional(Type.String({ format: 'date-time' })),
};

type ChargeFilterInput = Partial<Record<keyof typeof ChargeFilterQuery, any>>;

/** The list's and the export's query, as the use case's parameters. */
export function chargeFilterParams(q: ChargeFilterInput): ChargeListParams {
  return {
    appId: q.app,
    storeId: q.store,
    status: q.status as ChargeStatus[] | undefined,
    channel: q.channel,
    method: q.method,
    refundState: q.refunded,
    amountGte: q.amount_gte,
    amountLte: q.amount_lte,
    orderNo: q.order_no,
    anyOrderNo: q.any_no,
    livemode: q.mode === undefined ? undefined : q.mode === 'live',
    createdGte: parseOptionalDateTime(q.created_gte, 'created_gte'),
    createdLte: parseOptionalDateTime(q.created_lte, 'created_lte'),
  };
}
