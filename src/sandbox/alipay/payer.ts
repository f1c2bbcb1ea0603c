import type { Core } from '../../core/context.js';
import type { Charge } from '../../domain/charge.js';
import { alipaySimulatorFor } from './plugin.js';
import type { Trade } from './simulator.js';

/**
 * Plays the payer of a test-mode Alipay charge inside the simulator, the way a real payer
 * would: open the order (app order string or page URL) if Alipay has not seen it yet,
 * then pay or decline. Paying makes the simulator notify the gateway, which is how the
 * charge changes. Returns false when the simulator has no way to reach the order (the
 * charge was not made through the Alipay connector), so the caller can fall back.
 */
export async function actAsAlipayPayer(
  core: Core,
  charge: Charge,
  action: 'pay' | 'decline',
): Promise<boolean> {
  const sim = alipaySimulatorFor(core);
  const trade = await tradeOf(core, charge);
  if (!trade) return false;
  if (action === 'pay') await sim.pay(trade.tradeNo);
  else await sim.decline(trade.tradeNo);
  return true;
}

async function tradeOf(core: Core, charge: Charge): Promise<Trade | undefined> {
  const sim = alipaySimulatorFor(core);
  const [row] = await core.db.query(
    'SELECT trade_no FROM alipay_sandbox_trades WHERE out_trade_no = $1 ORDER BY created_at DESC LIMIT 1',
    [charge.id],
  );
  if (row) return sim.tradeByNo(row.trade_no);
  const credential = charge.credential ?? {};
  let params: URLSearchParams | undefined;
  if (typeof credential.order_string === 'string') params = new URLSearchParams(credential.order_string);
  else if (
    typeof credential.pay_url === 'string' &&
    credential.pay_url.includes('/sandbox/alipay/gateway.do')
  ) {
    params = new URL(credential.pay_url).searchParams;
  }
  if (!params) return undefined;
  try {
    return await sim.openOrder(Object.fromEntries(params));
  } catch {
    return undefined;
  }
}
