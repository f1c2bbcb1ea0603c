import { parseAlipayNotification } from './parse-notification.js';
import { alipayPayerAuthorization } from './oauth.js';
import { alipayStatement } from './statement.js';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { unreadableSecret } from '../_kit/config-keys.js';
import { AlipaySdk, type AlipaySdkCommonResult } from 'alipay-sdk';
import type { Charge } from '../../domain/charge.js';
import { chinaDateTime, parseChinaDateTime } from '../../domain/china-time.js';
import { JuheError } from '../../domain/errors.js';
import { formatMinor } from '../../domain/money.js';
import type {
  ChannelResult,
  Connector,
  ConnectorContext,
  PayResult,
  RefundContext,
  RefundResult,
} from '../_kit/connector.js';
import { failed, pending, succeeded, unknown } from '../_kit/results.js';

export const ALIPAY_GATEWAY = 'https://openapi.alipay.com/gateway.do';
/** The notify path segment of the test-mode default config (a simulator's default app). */
export { DEFAULT_TEST_CONFIG_ID as SANDBOX_CONFIG_ID } from '../_kit/test-mode-configs.js';

export interface AlipayConnectorOptions {
  /** Upstream call timeout; the channel config's settings.timeout_ms wins. Default 5000. */
  timeoutMs?: number;
}

export interface AlipayConnector extends Connector {
  /** alipay.trade.fastpay.refund.query: what became of a refund whose answer was lost. */
  queryRefund(ctx: RefundContext): Promise<RefundResult>;
}

/** Where a charge's Alipay calls go and with which keys. */
export interface ResolvedAlipayApp {
  appId: string;
  sdk: AlipaySdk;
  notifyUrl: string;
}

/**
 * Alipay through the official alipay-sdk (OpenAPI 2.0, RSA2). Every gateway answer is
 * verified (validateSign); an answer that cannot be verified, a timeout or a 5xx is
 * `unknown`, never `failed`: only a signed business refusal fails a payment.
 * out_trade_no is the charge id and out_request_no the refund id, so retries are idempotent.
 */
export function alipayConnector(options: AlipayConnectorOptions = {}): AlipayConnector {
  const resolve = (ctx: ConnectorContext) => resolveAlipayApp(ctx, options);

  const query = async (ctx: ConnectorContext): Promise<ChannelResult> => {
    const app = resolve(ctx);
    const answer = await call(app, 'alipay.trade.query', { bizContent: { out_trade_no: ctx.charge.id } });
    if (answer.outcome === 'ok') return tradeResult(answer.data, ctx.charge);
    if (answer.outcome === 'refused' && answer.subCode === 'ACQ.TRADE_NOT_EXIST') {
      // The payer has not scanned or opened it yet: nothing exists upstream to resolve.
      return pending({ polling: ctx.charge.method === 'barcode' });
    }
    return unknown(answer.message, answer.subCode);
  };

  return {
    name: 'alipay',
    parseNotification: parseAlipayNotification,
    payerAuthorization: alipayPayerAuthorization,
    statement: alipayStatement,
    capabilities: {
      methods: ['app', 'page', 'wap', 'qr', 'barcode', 'jsapi', 'mini'],
    },

    validateConfig(config) {
      // The SDK parses both keys when it is built: a bad key fails here, not at the first charge.
      resolveAlipayApp({ config, publicUrl: '' } as ConnectorContext, options);
    },

    validate(charge) {
      orderContent(charge);
      if (charge.method === 'barcode') requireAuthCode(charge);
      if (charge.method === 'jsapi' || charge.method === 'mini') requireBuyer(charge);
    },

    async pay(ctx) {
      const { charge } = ctx;
      const app = resolve(ctx);
      const order = orderContent(charge);
      switch (charge.method) {
        case 'app': {
          const orderString = app.sdk.sdkExecute('alipay.trade.app.pay', {
            notifyUrl: app.notifyUrl,
            bizContent: { ...order, product_code: 'QUICK_MSECURITY_PAY' },
          });
          return pending({ credential: { order_string: orderString } });
        }
        case 'page':
        case 'wap': {
          const method = charge.method === 'page' ? 'alipay.trade.page.pay' : 'alipay.trade.wap.pay';
          const params = {
            notifyUrl: app.notifyUrl,
            ...(charge.returnUrl ? { returnUrl: charge.returnUrl } : {}),
            bizContent: {
              ...order,
              product_code: charge.method === 'page' ? 'FAST_INSTANT_TRADE_PAY' : 'QUICK_WAP_WAY',
              ...pageOptions(charge),
            },
          };
          return pending({
            credential: {
              pay_url: app.sdk.pageExecute(method, 'GET', params),
              // The SDK pads its form with whitespace; the payer's page wants the markup itself.
              form: app.sdk.pageExecute(method, 'POST', params).trim(),
            },
          });
        }
        case 'qr': {
          const answer = await call(app, 'alipay.trade.precreate', {
            notifyUrl: app.notifyUrl,
            bizContent: order,
          });
          if (answer.outcome !== 'ok') return refusedOrUnknown(answer);
          // Alipay's face-to-face guidance: poll the query besides waiting for the notice.
          return pending({ polling: true, credential: { qr_code: String(answer.data.qr_code) } });
        }
        case 'barcode':
          return barcodePay(app, charge);
        case 'jsapi':
        case 'mini': {
          const { buyerId, openId } = requireBuyer(charge);
          const answer = await call(app, 'alipay.trade.create', {
            notifyUrl: app.notifyUrl,
            bizContent: {
              ...order,
              product_code: 'JSAPI_PAY',
              ...(buyerId ? { buyer_id: buyerId } : { op_buyer_open_id: openId }),
            },
          });
          if (answer.outcome !== 'ok') return refusedOrUnknown(answer);
          const tradeNo = String(answer.data.trade_no);
          return pending({ credential: { trade_no: tradeNo, jsapi: { tradeNO: tradeNo } } });
        }
        default:
          throw new JuheError('channel_not_supported', `Alipay does not support ${charge.method}`, 'method');
      }
    },

    query,

    async refund(ctx) {
      const app = resolve(ctx);
      const answer = await call(app, 'alipay.trade.refund', {
        bizContent: {
          out_trade_no: ctx.charge.id,
          refund_amount: formatMinor(ctx.refund.amount, 'CNY'),
          out_request_no: ctx.refund.id,
          ...(ctx.refund.description ? { refund_reason: ctx.refund.description.slice(0, 256) } : {}),
        },
      });
      if (answer.outcome === 'ok') {
        // fund_change N: Alipay already had this request; only the refund query says whether money moved.
        if (answer.data.fund_change === 'Y') {
          return succeeded({ transactionNo: String(answer.data.trade_no) });
        }
        return queryRefund(app, ctx);
      }
      if (answer.outcome === 'refused') {
        return failed(answer.subCode, answer.message);
      }
      return unknown(answer.message, answer.subCode);
    },

    async queryRefund(ctx) {
      return queryRefund(resolve(ctx), ctx);
    },

    async close(ctx) {
      const app = resolve(ctx);
      // A barcode payment in progress is reversed (cancel), which also refunds it if the
      // payer confirmed in the meantime; any other unpaid order is closed.
      const method = ctx.charge.method === 'barcode' ? 'alipay.trade.cancel' : 'alipay.trade.close';
      const answer = await call(app, method, { bizContent: { out_trade_no: ctx.charge.id } });
      if (answer.outcome === 'ok') {
        if (answer.data.action === 'refund') {
          return failed('trade_reversed', 'Paid, then reversed and refunded');
        }
        return failed('trade_closed', 'Closed upstream');
      }
      if (answer.outcome === 'refused' && answer.subCode === 'ACQ.TRADE_NOT_EXIST') {
        // Never opened by the payer: there is nothing to close upstream.
        return failed('trade_closed', 'Never opened upstream');
      }
      if (answer.outcome === 'refused' && answer.subCode === 'ACQ.TRADE_STATUS_ERROR') {
        // Already paid or already closed: the query tells which.
        return query(ctx);
      }
      return unknown(answer.message, answer.subCode);
    },
  };
}

async function barcodePay(app: ResolvedAlipayApp, charge: Charge): Promise<PayResult> {
  const authCode = requireAuthCode(charge);
  const answer = await call(app, 'alipay.trade.pay', {
    notifyUrl: app.notifyUrl,
    bizContent: {
      ...orderContent(charge),
      auth_code: authCode,
      scene: stringExtra(charge, 'scene') ?? 'bar_code',
      product_code: 'FACE_TO_FACE_PAYMENT',
    },
  });
  if (answer.outcome === 'ok') {
    return succeeded({
      transactionNo: String(answer.data.trade_no),
      paidAt: parseBeijing(answer.data.gmt_payment),
      ...(answer.data.buyer_logon_id ? { payerAccount: String(answer.data.buyer_logon_id) } : {}),
    });
  }
  if (answer.outcome === 'waiting') {
    // 10003: the payer must confirm on their phone; Alipay expects us to poll, then cancel.
    return pending({
      payerActing: true,
      polling: true,
      transactionNo: answer.data.trade_no ? String(answer.data.trade_no) : undefined,
    });
  }
  if (answer.outcome === 'refused') {
    if (answer.subCode === 'ACQ.TRADE_HAS_SUCCESS') return succeeded();
    return failed(answer.subCode, answer.message);
  }
  return unknown(answer.message, answer.subCode);
}

async function queryRefund(app: ResolvedAlipayApp, ctx: RefundContext): Promise<RefundResult> {
  const answer = await call(app, 'alipay.trade.fastpay.refund.query', {
    bizContent: { out_trade_no: ctx.charge.id, out_request_no: ctx.refund.id },
  });
  if (answer.outcome === 'ok') {
    // Alipay: data with refund_status REFUND_SUCCESS (or empty, for older trades) is a
    // refund that happened; no refund data at all means the request never took effect.
    if (
      answer.data.refund_amount &&
      (!answer.data.refund_status || answer.data.refund_status === 'REFUND_SUCCESS')
    ) {
      return succeeded({ transactionNo: String(answer.data.trade_no) });
    }
    return unknown(
      'Alipay has no such refund request; it may be sent again with the same out_request_no',
      'refund_not_found',
    );
  }
  return unknown(answer.message, answer.subCode);
}

/** Maps an alipay.trade.query answer (or a notification) onto a channel result. */
export function tradeResult(data: Record<string, unknown>, charge: Charge): ChannelResult {
  const tradeNo = data.trade_no ? String(data.trade_no) : undefined;
  switch (data.trade_status) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return succeeded({
        transactionNo: tradeNo,
        paidAt: parseBeijing(data.send_pay_date ?? data.gmt_payment),
        // The payer's masked logon id (store API trade_account), e.g. "lin***@vip.qq.com".
        ...(data.buyer_logon_id ? { payerAccount: String(data.buyer_logon_id) } : {}),
      });
    case 'WAIT_BUYER_PAY':
      return charge.method === 'barcode'
        ? pending({ payerActing: true, polling: true, transactionNo: tradeNo })
        : pending();
    case 'TRADE_CLOSED':
      // Closed after a payment means fully refunded: the charge itself was paid.
      if (data.send_pay_date || data.gmt_payment) {
        return succeeded({
          transactionNo: tradeNo,
          paidAt: parseBeijing(data.send_pay_date ?? data.gmt_payment),
        });
      }
      return failed('trade_closed', 'The Alipay trade was closed unpaid');
    default:
      return unknown(undefined, 'unexpected_trade_status');
  }
}

// ------------------------------------------------------------------ calls

type Answer =
  | { outcome: 'ok'; data: AlipaySdkCommonResult; subCode?: undefined; message: string }
  | { outcome: 'waiting'; data: AlipaySdkCommonResult; subCode?: undefined; message: string }
  | { outcome: 'refused'; subCode: string; message: string }
  | { outcome: 'unknown'; subCode?: string; message: string };

/**
 * One signed gateway call. Business refusals (40004) are definite; 20000, ACQ.SYSTEM_ERROR,
 * transport errors and answers whose signature does not verify are unknown.
 */
async function call(
  app: ResolvedAlipayApp,
  method: string,
  params: Record<string, unknown>,
): Promise<Answer> {
  let data: AlipaySdkCommonResult;
  try {
    data = await app.sdk.exec(method, params, { validateSign: true });
  } catch (error) {
    return { outcome: 'unknown', message: `${method}: ${(error as Error).message}`.slice(0, 500) };
  }
  const message = [data.msg, data.sub_msg].filter(Boolean).join(': ');
  if (data.code === '10000') return { outcome: 'ok', data, message };
  if (data.code === '10003') return { outcome: 'waiting', data, message };
  const subCode = typeof data.sub_code === 'string' ? data.sub_code : `alipay_${data.code}`;
  if (data.code === '40004' && subCode !== 'ACQ.SYSTEM_ERROR')
    return { outcome: 'refused', subCode, message };
  if (data.code === '40001' || data.code === '40002' || data.code === '40006') {
    // Our request or configuration is wrong (signature, app id, parameters): definite.
    return { outcome: 'refused', subCode, message };
  }
  return { outcome: 'unknown', subCode, message };
}

/** For a create call: a definite refusal is an error for the merchant; anything else is unknown. */
function refusedOrUnknown(answer: Exclude<Answer, { outcome: 'ok' }>): PayResult {
  if (answer.outcome === 'refused') {
    throw new JuheError(
      'channel_error',
      `Alipay refused the order (${answer.subCode}): ${answer.message}`,
      undefined,
      {
        sub_code: answer.subCode,
      },
    );
  }
  return unknown(answer.message, answer.subCode);
}

function orderContent(charge: Charge): Record<string, string> {
  if (charge.currency !== 'CNY') {
    throw new JuheError('invalid_currency', 'Alipay trades are in CNY', 'currency');
  }
  return {
    out_trade_no: charge.id,
    total_amount: formatMinor(charge.amount, 'CNY'),
    subject: charge.subject.slice(0, 256),
    ...(charge.body ? { body: charge.body.slice(0, 128) } : {}),
    time_expire: beijingTime(charge.expiresAt),
  };
}

/** The payer of a JSAPI or mini-program trade: extra.buyer_id or extra.buyer_open_id. */
function requireBuyer(charge: Charge): { buyerId: string | undefined; openId: string | undefined } {
  const buyerId = stringExtra(charge, 'buyer_id');
  const openId = stringExtra(charge, 'buyer_open_id');
  if (!buyerId && !openId) {
    throw new JuheError(
      'missing_parameter',
      'extra.buyer_id (or extra.buyer_open_id) is required for Alipay JSAPI payments',
      'extra.buyer_id',
    );
  }
  return { buyerId, openId };
}

/** The payer's payment code of a barcode trade. */
function requireAuthCode(charge: Charge): string {
  const authCode = stringExtra(charge, 'auth_code');
  if (!authCode) {
    throw new JuheError(
      'missing_parameter',
      "extra.auth_code (the payer's payment code) is required for Alipay barcode payments",
      'extra.auth_code',
    );
  }
  return authCode;
}

function stringExtra(charge: Charge, key: string): string | undefined {
  const value = charge.extra?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Alipay's clock is China time: "2026-03-01 16:00:00" is 08:00 UTC. */
export const beijingTime = chinaDateTime;

/** Alipay's times, fractions of a second ignored ("2026-03-01 16:00:00.123"); undefined when not a time. */
export function parseBeijing(value: unknown): Date | undefined {
  return typeof value === 'string' ? parseChinaDateTime(value.slice(0, 19)) : undefined;
}

// ------------------------------------------------------------------ configuration

const sdks = new Map<string, AlipaySdk>();

/** PEM header or, for the bare base64 Alipay's key tool prints, the DER structure decides. */
function keyType(privateKey: string): 'PKCS1' | 'PKCS8' {
  if (privateKey.includes('BEGIN RSA PRIVATE KEY')) return 'PKCS1';
  if (privateKey.includes('BEGIN PRIVATE KEY')) return 'PKCS8';
  const der = Buffer.from(privateKey.replace(/\s+/g, ''), 'base64');
  try {
    createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return 'PKCS8';
  } catch {
    return 'PKCS1';
  }
}

export function alipaySdk(config: {
  appId: string;
  privateKey: string;
  alipayPublicKey: string;
  gateway: string;
  timeoutMs: number;
}): AlipaySdk {
  const cacheKey = createHash('sha256')
    .update(
      JSON.stringify([
        config.appId,
        config.privateKey,
        config.alipayPublicKey,
        config.gateway,
        config.timeoutMs,
      ]),
    )
    .digest('hex');
  let sdk = sdks.get(cacheKey);
  if (!sdk) {
    sdk = new AlipaySdk({
      appId: config.appId,
      privateKey: config.privateKey,
      keyType: keyType(config.privateKey),
      alipayPublicKey: config.alipayPublicKey,
      gateway: config.gateway,
      endpoint: new URL(config.gateway).origin,
      signType: 'RSA2',
      camelcase: false,
      timeout: config.timeoutMs,
    });
    parsedKeysInto(sdk);
    if (sdks.size >= 200) sdks.delete(sdks.keys().next().value!);
    sdks.set(cacheKey, sdk);
  }
  return sdk;
}

/**
 * alipay-sdk keeps its keys as PEM text, which node parses again on every signature and
 * verification: more work than the RSA itself. Its config takes parsed keys as well (node's
 * sign and verify accept either), so the SDK gets them parsed once. Left as text if a
 * future SDK keeps its config elsewhere.
 */
function parsedKeysInto(sdk: AlipaySdk): void {
  const config = (sdk as unknown as { config?: Record<string, unknown> }).config;
  // A key that does not parse is the merchant's configuration error, named as such.
  if (typeof config?.privateKey === 'string') {
    try {
      config.privateKey = createPrivateKey(config.privateKey);
    } catch {
      throw unreadableSecret('private_key', 'a readable RSA private key (PKCS#1 or PKCS#8)');
    }
  }
  if (typeof config?.alipayPublicKey === 'string') {
    try {
      config.alipayPublicKey = createPublicKey(config.alipayPublicKey);
    } catch {
      throw unreadableSecret('alipay_public_key', "a readable public key (Alipay's RSA2 public key)");
    }
  }
}

/**
 * The app a charge uses: its channel config (settings.app_id, settings.gateway_url,
 * settings.timeout_ms, secrets.private_key, secrets.alipay_public_key). In test mode that
 * config is whatever the app or the composition root gave: a simulator is just a gateway URL.
 */
export function resolveAlipayApp(
  ctx: ConnectorContext,
  options: AlipayConnectorOptions = {},
): ResolvedAlipayApp {
  const { config } = ctx;
  if (!config) {
    throw new JuheError('channel_not_available', 'alipay is not configured for this app', 'channel');
  }
  const appId = config.settings.app_id;
  const privateKey = config.secrets.private_key;
  const alipayPublicKey = config.secrets.alipay_public_key;
  if (typeof appId !== 'string' || !privateKey || !alipayPublicKey) {
    throw new JuheError(
      'channel_not_available',
      'The Alipay config needs settings.app_id, secrets.private_key and secrets.alipay_public_key',
      'channel',
    );
  }
  const gateway =
    typeof config.settings.gateway_url === 'string' ? config.settings.gateway_url : ALIPAY_GATEWAY;
  const timeoutMs = Number(config.settings.timeout_ms ?? options.timeoutMs ?? 5000);
  return {
    appId,
    sdk: alipaySdk({ appId, privateKey, alipayPublicKey, gateway, timeoutMs }),
    notifyUrl: `${ctx.publicUrl}/notify/alipay/${config.id}`,
  };
}

/**
 * The merchant's page options a dialect kept on the charge (extra), under Alipay's names:
 * `qr_pay_mode` (0-4: the QR code embedded in the merchant's own page, MaxPay's qrPayMode)
 * for page pay; for wap pay `quit_url`, where a payer who gives up goes: the old wap API
 * called it `show_url` (MaxPay's showUrl), else the return URL. Page pay has no field for
 * a product page, so a show_url reaches Alipay only on wap.
 */
function pageOptions(charge: Charge): Record<string, string> {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  if (charge.method === 'page') {
    const mode = text(charge.extra.qr_pay_mode);
    return mode ? { qr_pay_mode: mode } : {};
  }
  const quit = text(charge.extra.show_url) ?? charge.returnUrl ?? undefined;
  return quit ? { quit_url: quit } : {};
}
