import type { Core } from '../../core/context.js';
import { listChargeRefunds } from '../../core/payments/retrieve-charge.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { unifiedExtraOf } from './cashier.js';
import { type Domain, domainAttempts, firstPaid, loadDomain } from './domain.js';
import { type UnifiedBody, ok } from './errors.js';
import { payStatusOf } from './pay-status.js';
import { payTypeOfProvider } from './pay-types.js';
import { type Params, required } from './params.js';
import { QUERY_SIGNED_FIELDS, signFields, signMatches } from './sign.js';

async function verifiedQuery(core: Core, params: Params): Promise<{ domain: Domain; requestKey: string }> {
  const domain = await loadDomain(core, params);
  const requestKey = required(params, 'requestKey');
  const sign = required(params, 'sign');
  if (!signMatches(sign, signFields(params, QUERY_SIGNED_FIELDS, domain.domainSecret))) {
    throw new JuheError('invalid_signature', 'sign does not match domainCode and requestKey', 'sign');
  }
  return { domain, requestKey };
}

/** GET pay/api/private/pay/query: obj true when the requestKey has a successful payment. */
export async function query(core: Core, params: Params): Promise<UnifiedBody<boolean>> {
  const { domain, requestKey } = await verifiedQuery(core, params);
  const attempts = await domainAttempts(core, domain, requestKey);
  return ok(firstPaid(attempts) !== undefined);
}

/** The payment record as queryInfo and the bgUrl notification describe it. */
export interface PaymentRecord {
  currencyType: string;
  payTypeCode: string;
  domainCode: string;
  money: number;
  requestKey: string;
  /** Milliseconds since the epoch. */
  payTime: number;
  orderSn: string;
  payStatus: string;
  payTypeName: string;
}

export async function paymentRecord(
  core: Core,
  charge: Charge,
  fallbackDomainCode: string,
): Promise<PaymentRecord> {
  const u = unifiedExtraOf(charge);
  const payType = payTypeOfProvider(charge.channel);
  const refunds = await listChargeRefunds(core, charge.id);
  return {
    currencyType: u.currencyType ?? charge.currency,
    payTypeCode: u.payTypeCode ?? payType?.code ?? charge.channel,
    domainCode: u.domainCode ?? fallbackDomainCode,
    money: u.money ?? charge.amount,
    requestKey: charge.orderNo,
    payTime: (charge.paidAt ?? charge.createdAt).getTime(),
    orderSn: charge.orderSn,
    payStatus: payStatusOf(charge, refunds),
    payTypeName: payType?.name ?? charge.channel,
  };
}

/**
 * GET pay/api/private/pay/queryInfo: the first successful payment of the requestKey, or
 * obj null while there is none.
 */
export async function queryInfo(core: Core, params: Params): Promise<UnifiedBody<PaymentRecord>> {
  const { domain, requestKey } = await verifiedQuery(core, params);
  const paid = firstPaid(await domainAttempts(core, domain, requestKey));
  return ok(paid ? await paymentRecord(core, paid, domain.domainCode) : null);
}
