import type { FastifyInstance, FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { chinaDateTime } from '../../domain/china-time.js';
import { formatYuan } from './codec.js';
import { findSandboxApp } from './keys.js';
import { cashierPage, errorPage } from './pages.js';
import type { Trade } from './repository.js';
import { qrCode } from './routes-trade.js';
import { rsa2Sign, signContent } from './sign.js';
import type { AlipaySim } from './state.js';
import { decline, pay, reveal, tradeByNo } from './transitions.js';

const TradeParams = {
  type: 'object',
  properties: { tradeNo: { type: 'string', pattern: '^\\d{28}$' } },
  required: ['tradeNo'],
};
const schema = { hide: true, params: TradeParams };
const tradeNoOf = (request: { params: unknown }) => (request.params as { tradeNo: string }).tradeNo;

/**
 * The payer's side in a browser: the QR code's landing (scanning makes a precreated trade
 * exist), the cashier with pay and decline, and the synchronous return to return_url.
 */
export function pageRoutes(app: FastifyInstance, sim: AlipaySim, base: string): void {
  const notFound = (reply: FastifyReply) =>
    reply.status(404).type('text/html; charset=utf-8').send(errorPage('ACQ.TRADE_NOT_EXIST', '交易不存在'));

  app.get(`${base}/qr/:tradeNo`, { schema }, async (request, reply) => {
    const trade = await tradeByNo(sim, tradeNoOf(request));
    if (!trade) return notFound(reply);
    if (!trade.visible) await reveal(sim, trade);
    return reply.redirect(`${base}/cashier/${trade.tradeNo}`, 302);
  });

  app.get(`${base}/cashier/:tradeNo`, { schema }, async (request, reply) => {
    const trade = await tradeByNo(sim, tradeNoOf(request));
    if (!trade) return notFound(reply);
    const qr =
      trade.status === 'WAIT_BUYER_PAY' && trade.apiMethod === 'alipay.trade.page.pay'
        ? await QRCode.toString(qrCode(sim, trade), { type: 'svg', margin: 1 })
        : undefined;
    return reply.type('text/html; charset=utf-8').send(cashierPage(trade, base, qr));
  });

  app.post(`${base}/cashier/:tradeNo/pay`, { schema }, async (request, reply) => {
    const trade = await pay(sim, tradeNoOf(request));
    if (!trade) return notFound(reply);
    if (trade.status === 'TRADE_SUCCESS' && trade.returnUrl) {
      const signer = (await findSandboxApp(sim.ctx.db, sim.ctx.box, trade.appId))!;
      return reply.redirect(returnUrl(trade, signer.alipayPrivateKey, sim.ctx.clock.now()), 303);
    }
    return reply.redirect(`${base}/cashier/${trade.tradeNo}`, 303);
  });

  app.post(`${base}/cashier/:tradeNo/decline`, { schema }, async (request, reply) => {
    const trade = await decline(sim, tradeNoOf(request));
    if (!trade) return notFound(reply);
    return reply.redirect(`${base}/cashier/${trade.tradeNo}`, 303);
  });
}

/** The synchronous return: the payer's browser goes back to return_url with signed parameters. */
function returnUrl(trade: Trade, alipayPrivateKey: string, now: Date): string {
  const params: Record<string, string> = {
    charset: 'utf-8',
    out_trade_no: trade.outTradeNo,
    method: `${trade.apiMethod}.return`,
    total_amount: formatYuan(trade.totalAmount),
    trade_no: trade.tradeNo,
    auth_app_id: trade.appId,
    version: '1.0',
    app_id: trade.appId,
    sign_type: 'RSA2',
    seller_id: `2088${trade.appId.slice(-12)}`,
    timestamp: chinaDateTime(now),
  };
  params.sign = rsa2Sign(signContent(params, ['sign', 'sign_type']), alipayPrivateKey);
  const url = new URL(trade.returnUrl!);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
