import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AlipaySimulator } from './index.js';
import type { Trade } from './repository.js';

const PayerBody = Type.Object(
  {
    out_trade_no: Type.String({ minLength: 1, maxLength: 64 }),
    /** What the merchant gave its payer, for an order Alipay has not seen yet (app and page flows). */
    order_string: Type.Optional(Type.String({ maxLength: 16_384 })),
    pay_url: Type.Optional(Type.String({ maxLength: 16_384 })),
  },
  { additionalProperties: false },
);
type PayerBody = { out_trade_no: string; order_string?: string; pay_url?: string };

/**
 * The payer API (`POST /sandbox/alipay/payer/pay|decline`): plays the payer of a merchant
 * order, the way a real payer would: open the order (the app's order string or the page
 * URL) if Alipay has not seen it yet, then pay or decline. Paying notifies the merchant
 * before the answer. 404 when the simulator has no way to reach the order.
 */
export async function alipayPayerRoutes(
  app: FastifyInstance,
  { sim, base }: { sim: AlipaySimulator; base: string },
): Promise<void> {
  for (const action of ['pay', 'decline'] as const) {
    app.post(
      `${base}/payer/${action}`,
      { schema: { hide: true, body: PayerBody } },
      async (request, reply) => {
        const trade = await tradeOf(sim, request.body as PayerBody);
        if (!trade) return reply.status(404).send({ error: 'trade_not_found' });
        const after = action === 'pay' ? await sim.pay(trade.tradeNo) : await sim.decline(trade.tradeNo);
        return { trade_no: trade.tradeNo, trade_status: after?.status ?? trade.status };
      },
    );
  }
}

async function tradeOf(sim: AlipaySimulator, body: PayerBody): Promise<Trade | undefined> {
  const known = await sim.latestTradeFor(body.out_trade_no);
  if (known) return known;
  let params: URLSearchParams | undefined;
  if (body.order_string) params = new URLSearchParams(body.order_string);
  else if (body.pay_url?.includes('/sandbox/alipay/gateway.do')) params = new URL(body.pay_url).searchParams;
  if (!params) return undefined;
  try {
    return await sim.openOrder(Object.fromEntries(params));
  } catch {
    return undefined;
  }
}
