import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml } from '../../domain/html.js';
import { jsonBody } from '../_kit/raw-body.js';
import { BASE_PATH, type WxSim } from './context.js';
import * as repo from './repository.js';
import { orderExpired } from './transitions.js';

export interface PageOrder {
  code: string;
  mchid: string;
  outTradeNo: string;
  tradeType: string;
  description: string;
  total: number;
  state: string;
  stateDesc: string;
  expired: boolean;
}

export const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

const STATES: Record<string, string> = {
  NOTPAY: 'Waiting for payment',
  USERPAYING: 'Waiting for the payer to confirm',
  SUCCESS: 'Paid',
  CLOSED: 'Closed',
  REVOKED: 'Reversed',
  PAYERROR: 'Not paid',
};

const TITLES: Record<string, string> = {
  NATIVE: 'WeChat Pay · scan to pay',
  MWEB: 'WeChat Pay · H5',
  JSAPI: 'WeChat Pay · in WeChat',
  APP: 'WeChat Pay · app',
  MICROPAY: 'WeChat Pay · confirm payment',
};

/**
 * The payer's side of the simulator: what opening the code_url (QR landing), the h5_url,
 * or a JSAPI / app / barcode cashier shows. The payer pays or declines; paying makes the
 * simulator send the signed callback to the merchant like WeChat does.
 */
export function payerPage(order: PageOrder, basePath: string, notice?: string): string {
  const open = order.state === 'NOTPAY' || order.state === 'USERPAYING';
  const actions =
    open && !order.expired
      ? `<form method="post" action="${basePath}/cashier/${order.code}/pay"><button class="pay" type="submit">Pay ¥${yuan(order.total)}</button></form>
      <form method="post" action="${basePath}/cashier/${order.code}/decline"><button class="decline" type="submit">Decline</button></form>`
      : `<p class="state" data-testid="outcome">${
          order.expired && open
            ? 'This order has expired.'
            : `${STATES[order.state] ?? order.state} · ${escapeHtml(order.stateDesc)}`
        }</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(TITLES[order.tradeType] ?? 'WeChat Pay')} (sandbox)</title>
<style>
body{font-family:system-ui,sans-serif;background:#ededed;margin:0;display:flex;justify-content:center}
main{background:#fff;max-width:420px;width:100%;margin:24px;padding:24px;border-radius:8px;text-align:center}
.brand{color:#07c160;font-weight:600}.amount{font-size:40px;margin:16px 0}.sandbox{color:#b26a00;font-size:13px}
button{width:100%;padding:14px;border:0;border-radius:6px;font-size:17px;margin-top:12px;cursor:pointer}
.pay{background:#07c160;color:#fff}.decline{background:#f2f2f2;color:#333}.state{font-size:18px}
dl{text-align:left;font-size:14px;color:#555}dt{float:left;width:45%}dd{margin-left:45%}
</style></head>
<body><main>
<div class="brand">WeChat Pay</div>
<div class="sandbox">Sandbox simulator: no real money moves</div>
<div class="amount" data-testid="amount">¥${yuan(order.total)}</div>
<div>${escapeHtml(order.description)}</div>
<dl><dt>Merchant</dt><dd>${escapeHtml(order.mchid)}</dd><dt>Order</dt><dd>${escapeHtml(order.outTradeNo)}</dd>
<dt>Status</dt><dd data-testid="state">${escapeHtml(order.state)}</dd></dl>
${notice ? `<p class="state" data-testid="notice">${escapeHtml(notice)}</p>` : ''}
${actions}
</main></body></html>`;
}

/** The payer pays or declines (the simulator's payerAct: transition, then the callback delivered). */
export type PayerAct = (
  mchid: string,
  outTradeNo: string,
  action: 'pay' | 'decline',
) => Promise<{ ok: boolean; reason?: string }>;

const PAY_CODE = /^[0-9a-f]{24}$/;
const NO_ORDER = '<h1>订单不存在 (no such order)</h1>';

/**
 * The payer's routes: the payer API (`POST /payer/{pay,decline}` with `{out_trade_no}`,
 * whoever plays the payer: test helpers, a wallet), what a JSAPI / app payer's WeChat
 * opens for a prepay_id, and the QR landing, H5 and cashier pages with their buttons.
 */
export function payerRoutes(app: FastifyInstance, sim: WxSim, payerAct: PayerAct): void {
  const db = sim.ctx.db;
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/payer/${action}`, async (request, reply) => {
      const no = jsonBody(request.body).out_trade_no;
      const outTradeNo = typeof no === 'string' ? no : '';
      const order = outTradeNo ? await repo.findOrderAnyMerchant(db, { outTradeNo }) : undefined;
      if (!order) return reply.status(404).send({ code: 'ORDER_NOT_EXIST', message: '订单不存在' });
      const result = await payerAct(order.mchid, outTradeNo, action);
      return reply.send({ out_trade_no: outTradeNo, ok: result.ok, reason: result.reason ?? null });
    });
  }
  const byCode = async (code: string) =>
    PAY_CODE.test(code) ? await repo.findOrderAnyMerchant(db, { payCode: code }) : undefined;
  const page = async (reply: FastifyReply, code: string, notice?: string) => {
    const order = await byCode(code);
    if (!order) return reply.status(404).type('text/html; charset=utf-8').send(NO_ORDER);
    const view: PageOrder = {
      code: order.pay_code,
      mchid: order.mchid,
      outTradeNo: order.out_trade_no,
      tradeType: order.trade_type,
      description: order.description,
      total: Number(order.total),
      state: order.trade_state,
      stateDesc: order.trade_state_desc,
      expired: orderExpired(sim, order),
    };
    return reply.type('text/html; charset=utf-8').send(payerPage(view, BASE_PATH, notice));
  };
  app.get(`${BASE_PATH}/jsapi`, async (request, reply) => {
    const prepayId = (request.query as { prepay_id?: unknown }).prepay_id;
    const order =
      typeof prepayId === 'string' && prepayId.length <= 64
        ? await repo.findOrderAnyMerchant(db, { prepayId })
        : undefined;
    if (!order) return reply.status(404).type('text/html; charset=utf-8').send(NO_ORDER);
    return reply.redirect(`${BASE_PATH}/cashier/${order.pay_code}`, 303);
  });
  for (const kind of ['qr', 'h5', 'cashier']) {
    app.get(`${BASE_PATH}/${kind}/:code`, async (request, reply) =>
      page(reply, (request.params as { code: string }).code),
    );
  }
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/cashier/:code/${action}`, async (request, reply) => {
      const { code } = request.params as { code: string };
      const order = await byCode(code);
      if (!order) return reply.status(404).type('text/html; charset=utf-8').send(NO_ORDER);
      const result = await payerAct(order.mchid, order.out_trade_no, action);
      if (!result.ok) return page(reply.status(409), code, result.reason);
      return reply.redirect(`${BASE_PATH}/cashier/${code}`, 303);
    });
  }
}
