import type { Method, Provider } from './channels.js';
import type { Currency } from './money.js';
import type { ChargeStatus, RefundStatus } from './status.js';

/** Which merchant API created an object; notifications go out in that dialect's format. */
export type Dialect = 'maxpay' | 'paymax' | 'store' | 'unified' | 'admin';

export interface Charge {
  id: string;
  appId: string;
  storeId: string | null;
  livemode: boolean;
  dialect: Dialect;
  orderNo: string;
  attempt: number;
  /** Numeric system order number returned by dialects that have one (store ord_no, unified orderSn). */
  orderSn: string;
  channel: Provider;
  method: Method;
  amount: number;
  amountOriginal: number | null;
  amountDiscount: number;
  amountIgnore: number;
  amountRefunded: number;
  currency: Currency;
  subject: string;
  body: string | null;
  description: string | null;
  clientIp: string | null;
  extra: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** What the payer's client needs, keyed by kind: {qr_code}, {order_string}, {form}, {jsapi}... */
  credential: Record<string, unknown> | null;
  status: ChargeStatus;
  transactionNo: string | null;
  /** Who paid, as the upstream reported it (store `trade_account`); absent until known. */
  payerAccount?: string | null;
  failureCode: string | null;
  failureMsg: string | null;
  returnUrl: string | null;
  notifyUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  paidAt: Date | null;
  closedAt: Date | null;
  /** Settlement from the provider's statement (reconciliation): its fee, what reaches the merchant, when. */
  fee?: number | null;
  amountSettle?: number | null;
  timeSettle?: Date | null;
  statementId?: string | null;
}

export interface Refund {
  id: string;
  chargeId: string;
  appId: string;
  livemode: boolean;
  refundNo: string;
  amount: number;
  currency: Currency;
  status: RefundStatus;
  description: string | null;
  metadata: Record<string, unknown>;
  /** Upstream extras, e.g. {refund_url} for an Alipay refund the merchant must confirm. */
  extra: Record<string, unknown>;
  transactionNo: string | null;
  failureCode: string | null;
  failureMsg: string | null;
  createdAt: Date;
  updatedAt: Date;
  succeededAt: Date | null;
}
