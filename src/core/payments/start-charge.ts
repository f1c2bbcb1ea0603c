import { connectorConfigFor } from '../apps/channel-configs.js';
import { findCharge, mergeChargeCredential, setChargeExtra } from '../../db/charges.js';
import type { Charge } from '../../domain/charge.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { applyChargeResult } from '../channel-results/apply-channel-result.js';

/** The hosted pay page of a charge created with `startLater` (src/http/cashier). */
export function hostedPayUrl(publicUrl: string, chargeId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/cashier/pay/${chargeId}`;
}

/** Who turned out to be paying, learned after create (e.g. by the hosted page's WeChat OAuth). */
export interface PayerDetails {
  /** WeChat openid under the paying appid (JSAPI). */
  openid?: string;
  /** Alipay buyer id (service window). */
  buyerId?: string;
}

/**
 * Starts the upstream payment of a charge created with `startLater` (create-charge), now
 * that the payer is known. A payment link made before anyone opened it (store jump_url
 * orders paid by WeChat JSAPI) cannot reach WeChat at create time: JSAPI needs the
 * payer's openid, which only the hosted page learns.
 *
 * 1. Under the charge's row lock: it must still be pending and not started for another
 *    payer; the payer details are written into `extra`, where connectors read them.
 * 2. The connector is called outside any transaction (it talks to the upstream).
 * 3. The upstream credential is merged into the charge's, and the result applied as one
 *    idempotent transition.
 * Opening the page twice starts it twice with the same content, which the providers treat
 * as the same order (WeChat: same out_trade_no, same body); a second payer is refused.
 */
export async function startCharge(core: Core, chargeId: string, payer: PayerDetails): Promise<Charge> {
  const details: Record<string, string> = {};
  if (payer.openid) details.openid = payer.openid;
  if (payer.buyerId) details.buyer_id = payer.buyerId;

  const charge = await core.db.tx(async (q) => {
    const current = await findCharge(q, chargeId, true);
    if (!current) throw new JuheError('charge_not_found', undefined, 'id');
    if (current.status !== 'pending') {
      throw new JuheError('charge_not_payable', `Charge is ${current.status}`, 'id');
    }
    if (current.expiresAt.getTime() <= core.clock.now().getTime()) {
      throw new JuheError('charge_not_payable', 'Charge has expired', 'id');
    }
    for (const [key, value] of Object.entries(details)) {
      const known = current.extra[key];
      if (known !== undefined && known !== value) {
        throw new JuheError('charge_not_payable', 'Charge is being paid by another payer', 'id');
      }
    }
    const extra = { ...current.extra, ...details };
    await setChargeExtra(q, current.id, extra, core.clock.now());
    return { ...current, extra };
  });

  const connector = core.connectors.resolve(charge.channel, charge.livemode);
  const config = await connectorConfigFor(core.db, core.box, charge);
  let result;
  try {
    result = await connector.pay({ charge, config, clock: core.clock, publicUrl: core.publicUrl });
  } catch (error) {
    if (error instanceof JuheError) throw error; // a definite rejection: the payer may retry
    core.log.warn({ err: error, charge: charge.id }, 'deferred channel pay call failed; charge left pending');
    result = { status: 'unknown' as const, needsPolling: true };
  }
  if (result.credential) {
    await mergeChargeCredential(core.db, charge.id, result.credential, core.clock.now());
  }
  return (await applyChargeResult(core, charge.id, { ...result, credential: undefined })).charge;
}
