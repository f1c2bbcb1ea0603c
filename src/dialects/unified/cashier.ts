import { randomBytes } from 'node:crypto';
import type { Core } from '../../core/context.js';
import { payerAuthorizeUrl, payerIdFromCode } from '../../core/payer-auth/payer-authorization.js';
import { createCharge } from '../../core/payments/create-charge.js';
import { endUnpaidCharge } from '../../core/payments/cancel-charge.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import { isChargeUnpaid } from '../../domain/status.js';
import { chargeAmount } from './amount.js';
import { type Domain, domainAttempts, findAttempts, loadDomain, payTypeAvailable } from './domain.js';
import { PAY_FAILED, STILL_OPEN, type UnifiedBody, ok } from './errors.js';
import { autoSubmitForm } from './form.js';
import { payStatusOf } from './pay-status.js';
import { PAY_TYPES, type PayScene, type PayType, parseScene, resolvePayType } from './pay-types.js';
import { type Params, type PayOrder, checkUrl, parsePayOrder, required } from './params.js';
import { verifyPaySign } from './sign.js';

/** What this dialect keeps on a charge (charge.extra.unified) to answer in its own terms. */
export interface UnifiedExtra {
  domainCode: string;
  payTypeCode: string;
  paySceneName: PayScene;
  /** The merchant's price and currency as sent; the charge amount may be converted. */
  money: number;
  currencyType: string;
  rate: string | null;
  requestChannel: string;
  infoEn: string;
  dialogOkUrl: string;
  dialogFailUrl: string;
  payTypeCodeIn: string;
}

export function unifiedExtraOf(charge: Pick<Charge, 'extra'>): Partial<UnifiedExtra> {
  const value = charge.extra?.unified;
  return value && typeof value === 'object' ? (value as Partial<UnifiedExtra>) : {};
}

/** A cached attempt is handed out again only while it stays payable for a while longer. */
const REUSE_MARGIN_MS = 5 * 60 * 1000;

/** GET pay/api/pc/pay-types: the pay types this domain can take on a cashier scene. */
export async function payTypes(core: Core, params: Params): Promise<UnifiedBody> {
  const scene = parseScene(params.paySceneName ?? '');
  const domain = await loadDomain(core, params);
  const available = [];
  for (const payType of PAY_TYPES) {
    const method = payType.methods[scene];
    if (!method || !(await payTypeAvailable(core, domain, payType, method)).ok) continue;
    available.push({
      payTypeCode: payType.code,
      payTypeName: payType.name,
      payTypeNameEn: payType.nameEn,
      paySceneName: scene,
      currencyType: payType.currency,
    });
  }
  return ok(available);
}

/** The domain of a signed cashier request (the pay fields' signature checked). */
export async function verifiedDomain(core: Core, params: Params): Promise<Domain> {
  const domain = await loadDomain(core, params);
  required(params, 'sign');
  const verifiedBy = verifyPaySign(params, domain.domainSecret, domain.signScheme);
  if (!verifiedBy) {
    throw new JuheError('invalid_signature', 'sign does not match the parameters', 'sign');
  }
  return { ...domain, verifiedBy };
}

/**
 * POST pay/api/pc/pay and pay/api/h5/pay: start paying the signed order with the pay type
 * the payer chose. PC WeChat answers the QR content, H5 WeChat the getBrandWCPayRequest
 * parameters, everything else a self-submitting form.
 *
 * Everything the request could get wrong is checked before anything changes. Then:
 * an open attempt of the same order, pay type and payer is handed out again (a page
 * reload must not open a second QR code); otherwise older open attempts are closed, so a
 * payer who switches from WeChat to Alipay cannot pay twice, and a new attempt starts.
 */
export async function pay(
  core: Core,
  scene: PayScene,
  params: Params,
  clientIp: string | null,
): Promise<UnifiedBody> {
  const domain = await verifiedDomain(core, params);
  const order = parsePayOrder(params, { nameless: domain.verifiedBy !== 'named' });
  const { payType, method } = resolvePayType(order.payTypeCode, scene);
  if (payType.code === 'Wechat' && scene === 'h5' && !order.openid) {
    throw new JuheError('missing_parameter', 'openid is required for WeChat payment on H5', 'openid');
  }
  const amount = chargeAmount(order.money, order.currencyType, payType.currency, order.rate);
  const availability = await payTypeAvailable(core, domain, payType, method);
  if (!availability.ok) throw availability.error;

  const extra: UnifiedExtra = {
    domainCode: domain.domainCode,
    payTypeCode: payType.code,
    paySceneName: scene,
    money: order.money,
    currencyType: order.currencyType,
    rate: order.rate?.text ?? null,
    requestChannel: order.requestChannel,
    infoEn: order.infoEn,
    dialogOkUrl: order.dialogOkUrl,
    dialogFailUrl: order.dialogFailUrl,
    payTypeCodeIn: order.payTypeCodeIn,
  };

  // An open attempt of this order, pay type and payer that can be handed out again.
  const twin = (c: Charge) =>
    isChargeUnpaid(c.status) &&
    c.channel === payType.provider &&
    c.method === method &&
    c.amount === amount &&
    c.credential !== null &&
    (c.extra.openid ?? '') === order.openid &&
    c.expiresAt.getTime() - core.clock.now().getTime() > REUSE_MARGIN_MS;

  const attempt = (allowRebill: boolean) =>
    createCharge(core, {
      appId: domain.appId,
      livemode: domain.livemode,
      dialect: 'unified',
      orderNo: order.requestKey,
      allowRebill,
      channel: payType.provider,
      method,
      amount,
      currency: payType.currency,
      subject: order.info || order.infoEn,
      body: order.infoEn || null,
      clientIp,
      extra: { ...(order.openid ? { openid: order.openid } : {}), unified: extra },
      returnUrl: order.pageUrl || null,
      notifyUrl: order.bgUrl || null,
    });
  const created = (charge: Charge) => {
    if (charge.status === 'failed') {
      throw new JuheError('channel_error', charge.failureMsg ?? 'The payment channel declined the order');
    }
    return ok(payerObject(charge, payType, scene));
  };

  // Most orders are paid on their first try: write attempt 1 outright. An order that has
  // attempts already (a repeat, another pay type, a double click) takes the path below.
  try {
    return created(await attempt(false));
  } catch (error) {
    if (!(error instanceof JuheError && error.code === 'order_no_duplicate')) throw error;
  }

  // Two requests for one requestKey at once (a double click) may both see no attempt: the
  // loser of the insert looks again once and reuses the winner's attempt.
  for (let round = 1; ; round++) {
    const attempts = await findAttempts(core, domain, order.requestKey);
    checkSameOrder(attempts, domain, order);
    const reusable = attempts.filter(twin).sort((a, b) => a.attempt - b.attempt)[0];
    if (reusable) return ok(payerObject(reusable, payType, scene));

    for (const open of attempts.filter((c) => isChargeUnpaid(c.status))) {
      const ended = await closeAttempt(core, open);
      if (ended.status === 'succeeded') {
        throw new JuheError(
          'order_no_duplicate',
          `requestKey ${order.requestKey} is already paid`,
          'requestKey',
        );
      }
    }

    let charge: Charge;
    try {
      charge = await attempt(true);
    } catch (error) {
      if (round === 1 && error instanceof JuheError && error.code === 'order_no_duplicate') continue;
      throw error;
    }
    // Or both inserted (one as the next attempt): every racer keeps the lowest twin and
    // closes its own if that is another, so one QR code stays open, not two. The first
    // attempt is always the lowest, so only a later one needs to look.
    if (charge.status === 'failed' || charge.attempt === 1) return created(charge);
    const first = (await findAttempts(core, domain, order.requestKey))
      .filter(twin)
      .sort((a, b) => a.attempt - b.attempt)[0];
    if (first && first.id !== charge.id) {
      await closeAttempt(core, charge);
      return ok(payerObject(first, payType, scene));
    }
    return ok(payerObject(charge, payType, scene));
  }
}

/**
 * Closes a superseded attempt upstream and here. If the channel cannot be reached the new
 * attempt waits: two payable orders for one requestKey could both be paid.
 */
async function closeAttempt(core: Core, charge: Charge): Promise<Charge> {
  try {
    return await endUnpaidCharge(core, charge.id, 'closed');
  } catch (error) {
    // The channel's own refusals pass through; not reaching it (or no confirmation) is ours to say.
    if (error instanceof JuheError && error.code !== 'channel_error') throw error;
    core.log.warn({ err: error, charge: charge.id }, 'closing a superseded unified attempt failed');
    throw new JuheError('channel_error', 'The previous payment could not be closed yet, please try again');
  }
}

/**
 * A requestKey names one order: attempts may differ in pay type, never in price, mode or
 * API. Reusing a requestKey for something else, or paying a paid one, is a duplicate.
 */
function checkSameOrder(attempts: readonly Charge[], domain: Domain, order: PayOrder): void {
  if (attempts.length === 0) return;
  if (attempts.some((c) => c.status === 'succeeded')) {
    throw new JuheError('order_no_duplicate', `requestKey ${order.requestKey} is already paid`, 'requestKey');
  }
  const differs = attempts.some((c) => {
    const u = unifiedExtraOf(c);
    return (
      c.dialect !== 'unified' ||
      c.livemode !== domain.livemode ||
      u.money !== order.money ||
      u.currencyType !== order.currencyType
    );
  });
  if (differs) {
    throw new JuheError(
      'order_no_duplicate',
      `requestKey ${order.requestKey} was already used for a different order`,
      'requestKey',
    );
  }
}

/** What the cashier page needs from the charge's credential for this pay type and scene. */
function payerObject(charge: Charge, payType: PayType, scene: PayScene): unknown {
  const credential = charge.credential ?? {};
  if (payType.code === 'Wechat' && scene === 'pc') {
    const qr = credential.qr_code ?? credential.code_url;
    if (typeof qr === 'string' && qr) return qr;
  } else if (payType.code === 'Wechat') {
    const jsapi = credential.jsapi;
    if (jsapi && typeof jsapi === 'object') return jsapi;
    if (typeof jsapi === 'string') {
      try {
        return JSON.parse(jsapi) as unknown;
      } catch {
        throw new JuheError('channel_error', 'The channel gave unreadable JSAPI parameters');
      }
    }
  } else {
    const form = autoSubmitForm(charge.credential);
    if (form) return form;
  }
  throw new JuheError(
    'channel_error',
    `The channel gave nothing the ${scene} cashier can show for ${payType.code}`,
  );
}

/**
 * GET pay/api/pc/wechatQuery: the PC page polls this every 2 s while the QR code shows.
 * errcode "0": paid (go to dialogOkUrl); "30000": still open (poll on); anything else:
 * failed or closed (go to dialogFailUrl). `obj` carries the payStatus.
 */
export async function wechatQuery(core: Core, params: Params): Promise<UnifiedBody> {
  const domain = await verifiedDomain(core, params);
  const requestKey = required(params, 'requestKey');
  const attempts = await domainAttempts(core, domain, requestKey);
  const paid = attempts.find((c) => c.status === 'succeeded');
  if (paid) return ok(payStatusOf(paid));
  const latest = attempts[0];
  if (!latest)
    throw new JuheError('charge_not_found', `No payment for requestKey ${requestKey}`, 'requestKey');
  if (isChargeUnpaid(latest.status)) return { errcode: STILL_OPEN, errormsg: '等待支付', obj: 'NOTPAY' };
  return { errcode: PAY_FAILED, errormsg: '支付失败', obj: payStatusOf(latest) };
}

/** The H5 page's openid fetch, step 1: where to send the payer, and the cookie that remembers why. */
export interface OpenidStart {
  target: string;
  /** `Set-Cookie` value binding the WeChat answer to this browser and this backUrl. */
  cookie: string;
}

export const OPENID_COOKIE = 'juhe_unified_oauth';
const OPENID_COOKIE_PATH = '/pay/api/h5/openid';

/**
 * The openid fetch the H5 page redirects to (`?domainCode=...&backUrl=...`) when it runs
 * inside WeChat without one: WeChat web authorization (snsapi_base) with the official
 * account of the domain's WeChat Pay channel (the simulator's in test mode), back to
 * `openidCallback`, which adds the payer's openid to backUrl. Only our own pages are valid
 * targets: anything else would make this an open redirect.
 */
export async function openidRedirect(
  core: Core,
  params: Params,
  requestOrigin: string,
): Promise<OpenidStart> {
  const domain = await loadDomain(core, params);
  const backUrl = ownPage(core, required(params, 'backUrl'), requestOrigin);
  const state = randomBytes(12).toString('hex');
  const remembered = Buffer.from(JSON.stringify({ d: domain.domainCode, b: backUrl })).toString('base64url');
  return {
    target: await payerAuthorizeUrl(
      core,
      wechatPayerOf(domain),
      `${core.publicUrl.replace(/\/+$/, '')}${OPENID_COOKIE_PATH}/callback`,
      state,
    ),
    cookie: `${OPENID_COOKIE}=${state}.${remembered}; Path=${OPENID_COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=600`,
  };
}

/**
 * Step 2: WeChat is back with a one-time code. Only the authorization this browser began
 * (state = the cookie's) is honoured; the code is exchanged for the openid, which goes
 * back to the page in its fragment parameters.
 */
export async function openidCallback(
  core: Core,
  query: { code?: unknown; state?: unknown },
  cookie: string | undefined,
  requestOrigin: string,
): Promise<string> {
  const [state, remembered] = (cookie ?? '').split('.');
  let saved: { d?: unknown; b?: unknown } = {};
  try {
    saved = JSON.parse(Buffer.from(remembered ?? '', 'base64url').toString('utf8')) as typeof saved;
  } catch {
    saved = {};
  }
  if (
    typeof query.code !== 'string' ||
    !query.code ||
    typeof query.state !== 'string' ||
    !state ||
    query.state !== state ||
    typeof saved.d !== 'string' ||
    typeof saved.b !== 'string'
  ) {
    throw new JuheError(
      'invalid_parameter',
      'The WeChat authorization expired: open the payment page again',
      'state',
    );
  }
  const domain = await loadDomain(core, { domainCode: saved.d } as Params);
  const backUrl = ownPage(core, saved.b, requestOrigin);
  return withOpenid(backUrl, await payerIdFromCode(core, wechatPayerOf(domain), query.code));
}

function ownPage(core: Core, backUrl: string, requestOrigin: string): string {
  checkUrl('backUrl', backUrl);
  const allowed = new Set([new URL(core.publicUrl).origin, requestOrigin]);
  if (!allowed.has(new URL(backUrl).origin)) {
    throw new JuheError('invalid_parameter', 'backUrl must be a page of this cashier', 'backUrl');
  }
  return backUrl;
}

/** The H5 cashier authorizes with the official account of the domain's WeChat Pay channel. */
const wechatPayerOf = (domain: Domain) =>
  ({ appId: domain.appId, livemode: domain.livemode, provider: 'wechatpay' }) as const;

/**
 * Adds openid where the page reads its parameters: the fragment's query when it has one.
 * The other parameters are kept byte for byte (re-encoding them could change what the
 * page reads, and with it the signature).
 */
export function withOpenid(backUrl: string, openid: string): string {
  const pair = `openid=${encodeURIComponent(openid)}`;
  const hashAt = backUrl.indexOf('#');
  const [head, hash] = hashAt < 0 ? [backUrl, null] : [backUrl.slice(0, hashAt), backUrl.slice(hashAt + 1)];
  const append = (part: string): string => {
    const at = part.indexOf('?');
    if (at < 0) return `${part}?${pair}`;
    const kept = part
      .slice(at + 1)
      .split('&')
      .filter((segment) => segment !== '' && !segment.startsWith('openid='));
    return `${part.slice(0, at)}?${[...kept, pair].join('&')}`;
  };
  return hash === null ? append(head) : `${head}#${append(hash)}`;
}
