import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** A hosted checkout session or payment link as stored (secret still sealed). */
export interface CheckoutLinkRow {
  id: string;
  appId: string;
  livemode: boolean;
  kind: 'session' | 'link';
  currency: string;
  amount: number | null;
  minAmount: number | null;
  maxAmount: number | null;
  description: string;
  methods: string[];
  successUrl: string | null;
  cancelUrl: string | null;
  metadata: Record<string, string>;
  signingSecretEnc: string;
  expiresAt: Date | null;
  createdAt: Date;
}

export async function insertCheckoutLink(q: Queryable, r: CheckoutLinkRow): Promise<void> {
  await rows(
    q,
    sql.insertInto('checkout_links').values({
      id: r.id,
      app_id: r.appId,
      livemode: r.livemode,
      kind: r.kind,
      currency: r.currency,
      amount: r.amount,
      min_amount: r.minAmount,
      max_amount: r.maxAmount,
      description: r.description,
      methods: JSON.stringify(r.methods),
      success_url: r.successUrl,
      cancel_url: r.cancelUrl,
      metadata: JSON.stringify(r.metadata),
      signing_secret_enc: r.signingSecretEnc,
      expires_at: r.expiresAt,
      created_at: r.createdAt,
    }),
  );
}

export async function findCheckoutLink(q: Queryable, id: string): Promise<CheckoutLinkRow | undefined> {
  const r = await firstRow(q, sql.selectFrom('checkout_links').selectAll().where('id', '=', id));
  if (!r) return undefined;
  const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: r.id,
    appId: r.app_id,
    livemode: r.livemode,
    kind: r.kind as 'session' | 'link',
    currency: r.currency,
    amount: num(r.amount),
    minAmount: num(r.min_amount),
    maxAmount: num(r.max_amount),
    description: r.description,
    methods: json<string[]>(r.methods),
    successUrl: r.success_url,
    cancelUrl: r.cancel_url,
    metadata: json<Record<string, string>>(r.metadata),
    signingSecretEnc: r.signing_secret_enc,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  };
}

/** The charges paid through a checkout link: their order numbers start with its id. */
export async function checkoutChargeRows(q: Queryable, appId: string, linkId: string) {
  return rows(
    q,
    sql
      .selectFrom('charges')
      .selectAll()
      .where('app_id', '=', appId)
      .where('order_no', 'like', `${linkId}-%`)
      .orderBy('created_at', 'desc'),
  );
}
