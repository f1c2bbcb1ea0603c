import { bindSandboxSubMerchant } from './routes-partner.js';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { dueWork } from '../_kit/due-work.js';
import { foreignKey } from '../_kit/foreign-key.js';
import { simulatorLife } from '../_kit/lifecycle.js';
import { linkFromOptions, type SimulatorOptions, tickMsOf } from '../_kit/options.js';
import { takeRawBodies } from '../_kit/raw-body.js';
import {
  putInService,
  type SandboxSimulator,
  sandboxSimulatorBase,
  simulatorInstances,
} from '../_kit/service.js';
import { signedGet } from './auth.js';
import { type WechatBills, wechatpayBills } from './bills.js';
import { BASE_PATH, type DeliveryRecord, type WxSim } from './context.js';
import { Faults } from './faults.js';
import { fundFlowRoute } from './fundflow.js';
import { loadOrCreateKeys, type SandboxKeys } from './keys.js';
import { callbackDelivery } from './notify.js';
import { sandboxAppSecret, wechatOauthRoutes } from './oauth.js';
import { payerRoutes } from './pages.js';
import { findOrderAnyMerchant } from './repository.js';
import { v3Pipeline, v3Routes } from './routes.js';
import { v2Routes } from './routes-v2.js';
import { payerDecides, settleRefunds } from './transitions.js';

export { BASE_PATH, type DeliveryRecord } from './context.js';
export { CALLBACK_RETRY_SCHEDULE_MS } from './notify.js';

export interface WechatpaySimulatorOptions extends SimulatorOptions {
  /** Statement fee rate in parts per million. Default 6000 (0.60%). */
  feeRatePpm?: number;
  /** Business-clock ms before a refund settles (PROCESSING -> SUCCESS). Default 0. */
  refundSettleMs?: number;
}

/** The simulator's handle: what tests, the admin API and the test helper act through. */
export interface WechatpaySimulator extends SandboxSimulator<SandboxKeys, Faults, DeliveryRecord> {
  /** The payer pays / declines an order, as on the payer page. */
  payerAct(
    mchid: string,
    outTradeNo: string,
    action: 'pay' | 'decline',
  ): Promise<{ ok: boolean; reason?: string }>;
  findOrderByOutTradeNo(
    outTradeNo: string,
  ): Promise<
    { mchid: string; state: string; tradeType: string; total: number; cashierUrl: string } | undefined
  >;
  /** The daily statements: their faults and fee rate. */
  bills: WechatBills;
  /**
   * Binds a sub-merchant (and the appids it may name as sub_appid) to the default merchant
   * as its service provider; undefined if another provider holds it.
   */
  bindSubMerchant(
    subMchid: string,
    subAppids?: string[],
  ): Promise<{ subMchid: string; spMchid: string; subAppids: string[] } | undefined>;
}

const simulators = simulatorInstances<WechatpaySimulator>();
export const simulatorOf = simulators.of;

/**
 * The WeChat Pay simulator, mounted under /sandbox/wechatpay: API v3 (native, JSAPI, app,
 * H5 orders; query; close; refunds; platform certificates; bills) and API v2 (micropay,
 * orderquery, reverse), verifying requests as WeChat does and signing answers so the
 * official client's verifier accepts them; signed, encrypted callbacks with WeChat's
 * retry schedule on the injected clock; and the payer pages. This file wires the parts.
 */
export async function wechatpaySimulator(
  app: FastifyInstance,
  options: WechatpaySimulatorOptions,
): Promise<void> {
  const { ctx } = options;
  const keys = await loadOrCreateKeys(ctx);
  const life = simulatorLife(app, 'wechatpay', ctx.log);
  const publicUrl = () => ctx.publicUrl.replace(/\/+$/, '');
  const sim: WxSim = {
    ctx,
    keys,
    merchantKey: createPublicKey(keys.merchant.publicKeyPem),
    platformKey: createPrivateKey(keys.platform.privateKeyPem),
    forgeKey: foreignKey(),
    faults: new Faults(),
    deliveries: [],
    baseUrl: () => `${publicUrl()}${BASE_PATH}`,
    hold: life.hold,
    refundSettleMs: options.refundSettleMs ?? 0,
  };
  const link = linkFromOptions(options, keys, () => `${sim.baseUrl()}/`);

  // Raw bodies: the signatures cover the exact bytes.
  takeRawBodies(app, 256 * 1024);
  const v3 = v3Pipeline(sim);
  v3Routes(app, sim, v3);
  v2Routes(app, sim);
  const bills = wechatpayBills(app, {
    ctx,
    basePath: BASE_PATH,
    mchid: keys.merchant.mchid,
    // The bill file is fetched with a signed GET whose answer is raw bytes, not a signed JSON.
    signedByMerchant: (request) => signedGet(sim, request),
    publicUrl,
    v3,
    feeRatePpm: options.feeRatePpm,
  });
  fundFlowRoute(app, BASE_PATH, v3, bills, () => ctx.clock.now());

  const callbacks = callbackDelivery(sim);
  const due = dueWork(async () => {
    await settleRefunds(sim);
    await callbacks.deliverDue();
  });
  const payerAct: WechatpaySimulator['payerAct'] = async (mchid, outTradeNo, action) => {
    const outcome = await payerDecides(sim, mchid, outTradeNo, action);
    if (outcome.callbackId) {
      await callbacks.deliverIfDue(outcome.callbackId);
      // If the background run claimed it first, return only once that delivery is done too.
      await due.settled();
    }
    return { ok: outcome.ok, ...(outcome.reason ? { reason: outcome.reason } : {}) };
  };
  await wechatOauthRoutes(app, { ctx, keys, basePath: BASE_PATH });
  payerRoutes(app, sim, payerAct);

  const simulator: WechatpaySimulator = {
    ...sandboxSimulatorBase({ ctx, keys, faults: sim.faults, deliveries: sim.deliveries, link, due }),
    payerAct,
    bindSubMerchant: (subMchid, subAppids = []) =>
      bindSandboxSubMerchant(ctx, keys.merchant.mchid, subMchid, subAppids),
    bills,
    findOrderByOutTradeNo: async (outTradeNo) => {
      const row = await findOrderAnyMerchant(ctx.db, { outTradeNo });
      return row
        ? {
            mchid: row.mchid,
            state: row.trade_state,
            tradeType: row.trade_type,
            total: Number(row.total),
            cashierUrl: `${sim.baseUrl()}/cashier/${row.pay_code}`,
          }
        : undefined;
    },
  };
  putInService({ ctx, simulator, instances: simulators, life, tickMs: tickMsOf(options), due });
}

/**
 * The default merchant as WeChat Pay's merchant platform shows it to a developer (mchid,
 * appid, API certificate serial and key, APIv3/v2 keys, the platform certificate, the
 * official account's AppSecret) with the simulator's base URL, in a channel config's vocabulary.
 */
export function wechatpayDefaultMerchant(sim: WechatpaySimulator): {
  settings: Record<string, string | number>;
  secrets: Record<string, string>;
} {
  const { merchant, platform } = sim.keys;
  return {
    settings: {
      mch_id: merchant.mchid,
      appid: merchant.appid,
      serial_no: merchant.serialNo,
      base_url: `${sim.ctx.publicUrl.replace(/\/+$/, '')}${BASE_PATH}/`,
      timeout_ms: sim.clientTimeoutMs(),
    },
    secrets: {
      private_key: merchant.privateKeyPem,
      api_v3_key: merchant.apiV3Key,
      api_v2_key: merchant.apiV2Key,
      platform_certificate: platform.certificatePem,
      app_secret: sandboxAppSecret(sim.keys),
    },
  };
}
