import type { Core } from '../../core/context.js';
import { channelConfigOf, credentialByPublicId } from '../../core/apps/credential-cache.js';
import { listOrderAttempts } from '../../core/payments/order-attempts.js';
import type { Charge } from '../../domain/charge.js';
import type { Method } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import { isStorableText } from '../../domain/storable-text.js';
import type { PayType } from './pay-types.js';
import { type Params, required } from './params.js';
import type { SignScheme } from './sign.js';

/** A domainCode resolved to the app and mode it belongs to. */
export interface Domain {
  domainCode: string;
  domainSecret: string;
  appId: string;
  livemode: boolean;
  /**
   * The signatures this domain accepts: 'document' (the document's nameless one, or the
   * named one) or, opted into by setting the credential's `sign_scheme` attribute to
   * "named", only the named one (sign.ts namedSign).
   */
  signScheme: SignScheme;
  /** Which signature the current request verified with (set by the cashier's check). */
  verifiedBy?: SignScheme;
}

export async function loadDomain(core: Core, params: Params): Promise<Domain> {
  const domainCode = required(params, 'domainCode');
  // (The openid callback reads it from a cookie, not through readParams.)
  const credential = isStorableText(domainCode)
    ? await credentialByPublicId(core, 'unified', domainCode)
    : undefined;
  if (!credential) {
    throw new JuheError('invalid_credentials', `domainCode ${domainCode} is not registered`, 'domainCode');
  }
  return {
    domainCode,
    domainSecret: credential.secrets.domainSecret,
    appId: credential.appId,
    livemode: credential.livemode,
    signScheme: credential.attrs.sign_scheme === 'named' ? 'named' : 'document',
  };
}

/**
 * Every payment attempt of a requestKey, newest first. requestKey is the merchant order
 * number, unique within the domain's app; the payer may switch pay types before paying,
 * and each switch is a new attempt of the same order.
 */
export async function findAttempts(core: Core, domain: Domain, requestKey: string): Promise<Charge[]> {
  return listOrderAttempts(core, { appId: domain.appId, livemode: domain.livemode, orderNo: requestKey });
}

/** The attempts this domain's API made: a query never reports another API's or mode's payment. */
export async function domainAttempts(core: Core, domain: Domain, requestKey: string): Promise<Charge[]> {
  return (await findAttempts(core, domain, requestKey)).filter(
    (c) => c.dialect === 'unified' && c.livemode === domain.livemode,
  );
}

/** The first attempt that was paid ("取第一条支付成功的记录"), or none. */
export function firstPaid(attempts: readonly Charge[]): Charge | undefined {
  return attempts
    .filter((c) => c.status === 'succeeded' && c.paidAt)
    .sort((a, b) => a.paidAt!.getTime() - b.paidAt!.getTime() || a.attempt - b.attempt)[0];
}

/**
 * Whether the app can take this pay type in this mode right now: a connector exists and
 * has the method, and the channel is configured (live) and not disabled. The same rules
 * createCharge enforces, asked before anything changes.
 */
export async function payTypeAvailable(
  core: Core,
  domain: Domain,
  payType: PayType,
  method: Method,
): Promise<{ ok: true } | { ok: false; error: JuheError }> {
  let connector;
  try {
    connector = core.connectors.resolve(payType.provider, domain.livemode);
  } catch (error) {
    if (error instanceof JuheError) return { ok: false, error };
    throw error;
  }
  if (!connector.capabilities.methods.includes(method)) {
    return {
      ok: false,
      error: new JuheError('channel_not_supported', `${payType.code} cannot pay by ${method}`, 'payTypeCode'),
    };
  }
  const config = await channelConfigOf(core, domain.appId, domain.livemode, payType.provider);
  if (config && !config.enabled) {
    return {
      ok: false,
      error: new JuheError(
        'channel_not_available',
        `${payType.code} is disabled for this domain`,
        'payTypeCode',
      ),
    };
  }
  if (!config && domain.livemode) {
    return {
      ok: false,
      error: new JuheError(
        'channel_not_available',
        `${payType.code} is not configured for this domain`,
        'payTypeCode',
      ),
    };
  }
  return { ok: true };
}
