import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { chinaDateTime } from '../../domain/china-time.js';
import { authenticate } from './auth.js';
import { billDownloadUrl } from './bills.js';
import { type Biz, businessError, isRejection, isvError, type Reply, reject, systemError } from './codec.js';
import { GATEWAY_FAULTS, takeFault } from './faults.js';
import { findSandboxApp, type SandboxAlipayApp } from './keys.js';
import { errorPage } from './pages.js';
import type { Trade } from './repository.js';
import * as refunds from './routes-refund.js';
import * as trades from './routes-trade.js';
import { signedResponse } from './sign.js';
import type { AlipaySim } from './state.js';
import { findTrade, placeOrder } from './transitions.js';

/** Methods the payer's browser or the Alipay app carries to the gateway (cashier flows). */
export const PAGE_METHODS = [
  'alipay.trade.page.pay',
  'alipay.trade.wap.pay',
  'alipay.trade.app.pay',
] as const;
/** Server-to-server methods answered with signed JSON. */
export const API_METHODS = [
  'alipay.trade.precreate',
  'alipay.trade.pay',
  'alipay.trade.create',
  'alipay.trade.query',
  'alipay.trade.close',
  'alipay.trade.cancel',
  'alipay.trade.refund',
  'alipay.trade.fastpay.refund.query',
  'alipay.data.dataservice.bill.downloadurl.query',
  'alipay.system.oauth.token',
] as const;

/** What the gateway route sends back: a signed JSON body, or an injected transport fault. */
export type GatewayAnswer =
  { kind: 'json'; body: string; delayMs?: number } | { kind: 'http_error'; status: number };

const isApiMethod = (method: string) => (API_METHODS as readonly string[]).includes(method);

/** One gateway call for a server-to-server method: always a signed answer (or a fault). */
export async function api(sim: AlipaySim, params: Record<string, string>): Promise<GatewayAnswer> {
  const method = params.method ?? '';
  const fault = isApiMethod(method) ? await takeFault(sim, GATEWAY_FAULTS, method) : undefined;
  if (fault?.kind === 'error_5xx') return { kind: 'http_error', status: Number(fault.params.status ?? 502) };
  let app: SandboxAlipayApp | undefined;
  let payload: Reply;
  try {
    const authed = await authenticate(sim, params);
    app = authed.app;
    if (!isApiMethod(method)) reject(isvError('40002', 'isv.invalid-method', `不存在的方法名: ${method}`));
    if (fault?.kind === 'business_error') {
      // Without a sub code it is Alipay's "system busy" (20000 ACQ.SYSTEM_ERROR): retry later.
      payload = fault.params.sub_code
        ? businessError(String(fault.params.sub_code), String(fault.params.sub_msg ?? '业务处理失败'))
        : systemError();
    } else if (method === 'alipay.system.oauth.token') {
      return { kind: 'json', body: oauthToken(sim, app, params) };
    } else {
      payload = await dispatch(sim, method, app, authed.biz, params);
    }
  } catch (error) {
    if (!isRejection(error)) throw error;
    payload = error.payload;
  }
  // Alipay signs every answer it can attribute to an app, errors included.
  const signer =
    app ?? (params.app_id ? await findSandboxApp(sim.ctx.db, sim.ctx.box, params.app_id) : undefined);
  const body = signer
    ? signedResponse(
        method,
        payload,
        signer.alipayPrivateKey,
        isApiMethod(method) ? undefined : 'error_response',
      )
    : JSON.stringify({ error_response: payload });
  const delayMs = fault?.kind === 'timeout' ? Math.min(Number(fault.params.ms ?? 10_000), 60_000) : undefined;
  return { kind: 'json', body, delayMs };
}

function dispatch(
  sim: AlipaySim,
  method: string,
  app: SandboxAlipayApp,
  biz: Biz,
  params: Record<string, string>,
) {
  switch (method) {
    case 'alipay.trade.precreate':
      return trades.precreate(sim, app, biz, params);
    case 'alipay.trade.pay':
      return trades.barcodePay(sim, app, biz, params);
    case 'alipay.trade.create':
      return trades.jsapiCreate(sim, app, biz, params);
    case 'alipay.trade.query':
      return trades.query(sim, app, biz);
    case 'alipay.trade.close':
      return trades.close(sim, app, biz);
    case 'alipay.trade.cancel':
      return trades.cancel(sim, app, biz);
    case 'alipay.trade.refund':
      return refunds.refund(sim, app, biz);
    case 'alipay.data.dataservice.bill.downloadurl.query':
      return billDownloadUrl(sim, app, biz);
    default:
      return refunds.refundQuery(sim, app, biz);
  }
}

/**
 * alipay.system.oauth.token: the code (top-level parameter, not biz_content) for the
 * buyer's user_id. Alipay answers a success without code/msg, and a bad code as a signed
 * error_response (40002 isv.code-invalid).
 */
function oauthToken(sim: AlipaySim, app: SandboxAlipayApp, params: Record<string, string>): string {
  const method = 'alipay.system.oauth.token';
  const fail = (subCode: string, subMsg: string) =>
    signedResponse(
      method,
      { code: '40002', msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg },
      app.alipayPrivateKey,
      'error_response',
    );
  if (params.grant_type !== 'authorization_code')
    return fail('isv.grant-type-invalid', 'grant_type参数不正确');
  const userId = params.code ? sim.authCodes.redeem(app.appId, params.code) : undefined;
  if (!userId) return fail('isv.code-invalid', '授权码code无效');
  const token = () => `authbseB${randomUUID().replaceAll('-', '')}`;
  return signedResponse(
    method,
    {
      user_id: userId,
      access_token: token(),
      expires_in: 1296000,
      refresh_token: token(),
      re_expires_in: 2592000,
      auth_start: chinaDateTime(sim.ctx.clock.now()),
    },
    app.alipayPrivateKey,
  );
}

/**
 * The payer opened a page/wap/app order: verify it as the gateway does and create (or
 * find) its trade. Throws a Rejection with Alipay's error payload.
 */
export async function openOrder(sim: AlipaySim, params: Record<string, string>): Promise<Trade> {
  const { app, biz } = await authenticate(sim, params);
  if (!(PAGE_METHODS as readonly string[]).includes(params.method)) {
    reject(isvError('40002', 'isv.invalid-method', `不存在的方法名: ${params.method}`));
  }
  try {
    return await placeOrder(sim, app, params.method, biz, params, { visible: true });
  } catch (error) {
    // Re-opening a paid order shows its receipt rather than an error page.
    if (isRejection(error) && error.payload.sub_code === 'ACQ.TRADE_HAS_SUCCESS') {
      return (await findTrade(
        sim,
        app.appId,
        typeof biz.out_trade_no === 'string' ? biz.out_trade_no : undefined,
      ))!;
    }
    throw error;
  }
}

/**
 * `/gateway.do`, GET or POST (form): page methods open the cashier (or show Alipay's error
 * page), every other method is a signed JSON answer.
 */
export function gatewayRoutes(app: FastifyInstance, sim: AlipaySim, base: string): void {
  app.addContentTypeParser(
    /^application\/x-www-form-urlencoded/,
    { parseAs: 'string', bodyLimit: 256 * 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  const gateway = async (request: { query: unknown; body: unknown }, reply: FastifyReply) => {
    const params: Record<string, string> = {};
    for (const source of [request.query, request.body]) {
      if (source && typeof source === 'object') {
        for (const [k, v] of Object.entries(source)) if (typeof v === 'string') params[k] = v;
      }
    }
    if ((PAGE_METHODS as readonly string[]).includes(params.method)) {
      try {
        const trade = await openOrder(sim, params);
        return reply.redirect(`${base}/cashier/${trade.tradeNo}`, 302);
      } catch (error) {
        if (!isRejection(error)) throw error;
        return reply
          .status(200)
          .type('text/html; charset=utf-8')
          .send(errorPage(error.payload.sub_code, error.payload.sub_msg));
      }
    }
    const answer = await api(sim, params);
    if (answer.kind === 'http_error') {
      return reply.status(answer.status).type('text/html').send(`<html><body>${answer.status}</body></html>`);
    }
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    return reply.type('text/html;charset=utf-8').send(answer.body);
  };
  app.get(`${base}/gateway.do`, { schema: { hide: true } }, gateway);
  app.post(`${base}/gateway.do`, { schema: { hide: true } }, gateway);
}
