import { channelConfigOf } from '../../../core/apps/credential-cache.js';
import {
  type ChargeCreateParams,
  createCharge,
  createChargeWithEntry,
} from '../../../core/payments/create-charge.js';
import { retrieveCharge } from '../../../core/payments/retrieve-charge.js';
import {
  OutNoTaken,
  type OrderReservation,
  isOrphanReservation,
  releaseStoreOrder,
  reserveStoreOrder,
} from '../../../core/stores/reserve-order.js';
import type { StoreOrderRow } from '../../../core/stores/store-order.js';
import { JuheError } from '../../../domain/errors.js';
import type { Charge } from '../../../domain/charge.js';
import {
  isOffline,
  isTagAvailable,
  resolvePayTag,
  methodOf,
  type PayTag,
  type Scenario,
} from '../channels.js';
import { StoreError, fromCore } from '../errors.js';
import type { StoreContext, StoreResult } from '../handler.js';
import { OUT_NO, Params } from '../params.js';
import { orderView } from '../views.js';
import { readMembers } from '../members.js';
import { TargetRefusedError, checkTargetUrl, defaultAllowPrivateTargets } from '../../../deliveries/ssrf.js';

/**
 * Where a jump_url order's payer comes back to (the charge's return URL, handed to the
 * channel): it redirects to the merchant's jump_url with the signed parameters of
 * document 4.8.2 (routes.ts, notification.ts buildJumpUrl).
 */
export function storeJumpReturnUrl(publicUrl: string, chargeId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/mct1/jump/${chargeId}`;
}

interface ScenarioParams {
  scenario: Scenario;
  extra: Record<string, unknown>;
}

/**
 * 4.4 payorder: one endpoint for every scenario, told apart by the fields present
 * (auth_code wins, then JSAPI=1, then jump_url, else a QR code):
 * - QR, the payer scans (4.4.1): `trade_qrcode`, status 2;
 * - barcode, the merchant scans `auth_code` (4.4.2): status 9 while the payer confirms;
 * - WeChat official account / mini program (4.4.3, 4.4.5) and Alipay service window (4.4.4):
 *   `jump_url` returns `jsapi_pay_url`, a payment link (Alipay's mobile cashier, or our
 *   WeChat pay page) after which the payer lands on jump_url with signed parameters;
 *   `JSAPI=1` with sub_appid + sub_openid (WeChat) or buyer_id (Alipay) returns the JS
 *   payment parameters (method jsapi, or mini when sub_appid is the app's configured
 *   mini program);
 * - Cash and Diy (pmt_name required): paid at once, status 1.
 * trade_amount must equal original_amount - discount_amount - ignore_amount (8006); the
 * out_no is reserved in the store first (8045), then the charge is created.
 */
export async function payorder(ctx: StoreContext): Promise<StoreResult> {
  const { core, store } = ctx;
  const p = new Params(ctx.data, ctx.literals);
  const outNo = p.string('out_no', {
    max: 64,
    pattern: OUT_NO,
    missing: 'out_no_missing',
    invalid: 'create_failed',
  })!;
  const tagName = p.string('pmt_tag', {
    max: 20,
    missing: 'pmt_tag_missing',
    invalid: 'pmt_tag_unavailable',
  })!;
  const tag = await resolvePayTag(core, store, tagName);
  if (!tag || !(await isTagAvailable(core, store, tag))) {
    throw new StoreError('pmt_tag_unavailable', `${tagName}（以paylist接口返回的pmt_tag为准，注意大小写）`);
  }
  const diyName = p.string('pmt_name', { max: 20, invalid: 'pmt_tag_missing' });
  if (tag.provider === 'diy' && !diyName)
    throw new StoreError('pmt_tag_missing', 'pmt_tag为Diy时，pmt_name不能为空');
  const ordName = p.string('ord_name', { max: 100, invalid: 'ord_name_invalid' });
  const amounts = readAmounts(p);
  const remark = p.string('remark', { max: 200, invalid: 'create_failed' });
  const orderTag = p.string('tag', { max: 50, invalid: 'create_failed' });
  const tradeAccount = p.string('trade_account', { max: 100, invalid: 'create_failed' });
  const clientTradeNo = p.string('trade_no', { max: 128, invalid: 'create_failed' });
  const members = await readMembers(ctx, p);
  const notifyUrl = p.url('notify_url', 'create_failed');
  if (notifyUrl) checkNotifyUrl(notifyUrl);
  const jumpUrl = p.url('jump_url', 'create_failed');
  const { scenario, extra } = readScenario(p, tag, jumpUrl);
  const method =
    scenario === 'jsapi' && (await isMiniProgram(ctx, extra.sub_appid))
      ? 'mini'
      : methodOf(scenario, tag.provider);

  const chargeId = core.ids.next('charge');
  const details = {
    diyPmtName: tag.provider === 'diy' ? (diyName ?? null) : null,
    ordName: ordName ?? null,
    remark: remark ?? null,
    tag: orderTag ?? null,
    tradeAccount: tradeAccount ?? null,
    tradeNo: clientTradeNo ?? null,
    ...members,
  };
  const params: ChargeCreateParams = {
    id: chargeId,
    appId: store.appId,
    storeId: store.id,
    livemode: store.livemode,
    dialect: 'store',
    orderNo: outNo,
    channel: tag.provider,
    method,
    amount: amounts.trade,
    currency: 'CNY',
    amountOriginal: amounts.original,
    amountDiscount: amounts.discount,
    amountIgnore: amounts.ignore,
    subject: ordName ?? store.name,
    description: remark ?? null,
    clientIp: ctx.clientIp,
    extra: {
      ...extra,
      pmt_tag: tag.tag,
      ...(diyName && tag.provider === 'diy' ? { pmt_name: diyName } : {}),
      ...(jumpUrl && !isOffline(tag) ? { jump_url: jumpUrl } : {}),
    },
    metadata: orderTag ? { tag: orderTag } : {},
    notifyUrl: notifyUrl ?? null,
    returnUrl: jumpUrl && !isOffline(tag) ? storeJumpReturnUrl(core.publicUrl, chargeId) : null,
    // A WeChat jump_url order is paid by JSAPI, which needs the payer's openid: only the
    // hosted pay page learns it (WeChat web authorization), so the payment starts there.
    startLater: scenario === 'jump' && method === 'jsapi',
    // The order book entry is written with the charge (8045 if out_no is taken).
    storeEntry: { merchantId: store.merchantId, pmtTag: tag.tag, ...details },
  };

  let row: StoreOrderRow;
  let charge: Charge;
  try {
    const created = await createChargeWithEntry(core, params);
    charge = created.charge;
    row = created.storeOrder!;
  } catch (error) {
    const orphan =
      error instanceof JuheError &&
      error.code === 'order_no_duplicate' &&
      (await isOrphanReservation(core, store.id, outNo));
    if (!orphan) throw fromCore(error, 'payorder') ?? error;
    // A reservation left by a crash before this design: reclaim it the careful way.
    ({ row, charge } = await reclaimOrphan(
      ctx,
      { outNo, ordType: 1, chargeId, pmtTag: tag.tag, ...details },
      params,
    ));
  }
  if (charge.status === 'failed') {
    throw new StoreError('pay_failed', charge.failureMsg ?? charge.failureCode ?? undefined);
  }
  return {
    data: { ...orderView({ row, charge, refund: null }, store), ...scenarioData(scenario, charge) },
  };
}

/** Reserves the out_no an orphan entry holds (if still orphaned), then creates the charge. */
async function reclaimOrphan(
  ctx: StoreContext,
  reservation: OrderReservation,
  params: ChargeCreateParams,
): Promise<{ row: StoreOrderRow; charge: Charge }> {
  const { core, store } = ctx;
  let row: StoreOrderRow;
  try {
    row = await reserveStoreOrder(core, store, reservation);
  } catch (error) {
    if (error instanceof OutNoTaken) throw new StoreError('out_no_exists', error.outNo);
    throw error;
  }
  try {
    return { row, charge: await createCharge(core, { ...params, storeEntry: undefined }) };
  } catch (error) {
    if (!(await retrieveCharge(core, params.id!))) {
      await releaseStoreOrder(core, store.id, reservation.outNo, params.id!);
    }
    throw fromCore(error, 'payorder') ?? error;
  }
}

/**
 * 4.4.5: a mini program pays with the very fields of an official-account JSAPI payment;
 * only `sub_appid` tells them apart. It is a mini program when it is the mini program
 * appid configured on the app's WeChat Pay channel (settings.mini_appid), which the
 * connector then pays with.
 */
async function isMiniProgram(ctx: StoreContext, subAppid: unknown): Promise<boolean> {
  if (typeof subAppid !== 'string') return false;
  const config = await channelConfigOf(ctx.core, ctx.store.appId, ctx.store.livemode, 'wechatpay');
  const mini = config?.settings.mini_appid;
  return typeof mini === 'string' && mini === subAppid && mini !== config?.settings.appid;
}

function readAmounts(p: Params) {
  const original = p.fen('original_amount', { missing: 'amount_invalid', invalid: 'amount_invalid' })!;
  const discount = p.fen('discount_amount', { invalid: 'amount_invalid' }) ?? 0;
  const ignore = p.fen('ignore_amount', { invalid: 'amount_invalid' }) ?? 0;
  const trade = p.fen('trade_amount', { missing: 'amount_invalid', invalid: 'amount_invalid' })!;
  if (trade <= 0) throw new StoreError('amount_invalid', 'trade_amount必须大于0');
  if (trade !== original - discount - ignore) {
    throw new StoreError(
      'amount_invalid',
      `trade_amount(${trade}) != original_amount(${original}) - discount_amount(${discount}) - ignore_amount(${ignore})`,
    );
  }
  return { original, discount, ignore, trade };
}

function readScenario(p: Params, tag: PayTag, jumpUrl: string | undefined): ScenarioParams {
  const authCode = p.string('auth_code', { max: 50, invalid: 'pay_failed' });
  const jsapi = p.flag('JSAPI', 'create_failed');
  const subAppid = p.string('sub_appid', { max: 128, invalid: 'create_failed' });
  const subOpenid = p.string('sub_openid', { max: 128, invalid: 'create_failed' });
  const buyerId = p.string('buyer_id', { max: 128, invalid: 'create_failed' });
  if (isOffline(tag)) return { scenario: 'offline', extra: {} };
  if (authCode !== undefined) {
    // WeChat codes are 18 digits, Alipay's 16 to 24; the document's 8011 example is "条码格式不对".
    if (!/^\d{10,32}$/.test(authCode)) throw new StoreError('pay_failed', 'auth_code条码格式不对');
    return { scenario: 'barcode', extra: { auth_code: authCode } };
  }
  if (jsapi) {
    if (tag.provider === 'wechatpay') {
      if (!subAppid || !subOpenid)
        throw new StoreError('pay_failed', 'JSAPI为1时，sub_appid和sub_openid必填');
      return { scenario: 'jsapi', extra: { sub_appid: subAppid, openid: subOpenid } };
    }
    if (!buyerId) throw new StoreError('pay_failed', 'JSAPI为1时，buyer_id必填');
    return { scenario: 'jsapi', extra: { buyer_id: buyerId } };
  }
  if (jumpUrl) return { scenario: 'jump', extra: {} };
  return { scenario: 'qr', extra: {} };
}

/** The scenario's own answer fields beside the order (4.4.3.2, 4.4.5.2). */
function scenarioData(scenario: Scenario, charge: Charge): Record<string, unknown> {
  if (scenario === 'jump') {
    // Alipay's mobile cashier, or (WeChat) Juhe's hosted pay page.
    const payUrl = charge.credential?.pay_url;
    return { jsapi_pay_url: typeof payUrl === 'string' ? payUrl : '' };
  }
  if (scenario !== 'jsapi') return {};
  const js = (charge.credential?.jsapi ?? {}) as Record<string, unknown>;
  const text = (key: string) => (js[key] === undefined || js[key] === null ? '' : String(js[key]));
  if (charge.channel === 'alipay') {
    // Alipay's in-app payment (AlipayJSBridge tradePay) needs only the Alipay trade number.
    const tradeNo = charge.transactionNo ?? (text('tradeNO') || text('trade_no') || null);
    return { jsapi_pay_url: '', trade_no: tradeNo };
  }
  return {
    jsapi_pay_url: '',
    appId: text('appId'),
    timeStamp: text('timeStamp'),
    nonceStr: text('nonceStr'),
    signType: text('signType'),
    package: text('package'),
    paySign: text('paySign'),
  };
}

/**
 * notify_url is where the order's notification goes: checked when the order is made, so
 * a client cannot aim our notifier at an internal address (IP literals, localhost), and
 * learns of it from the answer. Names are resolved and checked on every send (ssrf.ts).
 */
function checkNotifyUrl(url: string): void {
  try {
    checkTargetUrl(url, defaultAllowPrivateTargets());
  } catch (error) {
    if (error instanceof TargetRefusedError) {
      throw new StoreError('create_failed', `notify_url不是允许的通知地址：${error.message}`);
    }
    throw error;
  }
}
