/** A charge as GET /api/v1/charges returns it (the fields the console shows). */
export interface Charge {
  id: string;
  order_no: string;
  order_sn: string;
  livemode: boolean;
  store: string | null;
  channel: string;
  method: string;
  amount: number;
  amount_refunded: number;
  currency: string;
  subject: string;
  status: 'pending' | 'user_paying' | 'succeeded' | 'failed' | 'canceled' | 'closed';
  transaction_no: string | null;
  created_at: string;
  paid_at: string | null;
  closed_at: string | null;
}

export interface ChargePage {
  data: Charge[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface TimelineEntry {
  at: string;
  kind: 'created' | 'event' | 'refund' | 'notification' | 'attempt';
  label: string;
  ref?: string;
  detail?: Record<string, unknown>;
}

export const PENDING = new Set(['pending', 'user_paying']);

/** The guide's states, as the list API's filters. */
export const STATES = {
  paid: { status: ['succeeded'], refunded: 'none' },
  refunded: { refunded: 'full' },
  partial: { refunded: 'partial' },
  unpaid: { status: ['pending', 'user_paying'] },
  closed: { status: ['closed', 'canceled'] },
  failed: { status: ['failed'] },
} as const;

export type State = keyof typeof STATES;

export const PRODUCTS = [
  'alipay.app',
  'alipay.wap',
  'alipay.page',
  'alipay.qr',
  'alipay.barcode',
  'wechatpay.app',
  'wechatpay.jsapi',
  'wechatpay.qr',
  'wechatpay.mini',
  'wechatpay.h5',
  'wechatpay.barcode',
  'unionpay.app',
  'unionpay.page',
  'applepay.app',
  'paypal.page',
  'lakala.page',
  'cash.offline',
  'diy.offline',
] as const;
