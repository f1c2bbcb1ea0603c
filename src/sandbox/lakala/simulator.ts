import type { FastifyInstance } from 'fastify';
import { dueWork } from '../_kit/due-work.js';
import { simulatorLife } from '../_kit/lifecycle.js';
import { linkFromOptions, type SimulatorOptions, tickMsOf } from '../_kit/options.js';
import { takeRawBodies } from '../_kit/raw-body.js';
import {
  putInService,
  type SandboxSimulator,
  sandboxSimulatorBase,
  simulatorInstances,
} from '../_kit/service.js';
import { lakalaApi } from './auth.js';
import { lakalaShapes } from './codec.js';
import { Faults } from './faults.js';
import { type SandboxKeys, loadOrCreateKeys } from './keys.js';
import { lakalaNotices } from './notify.js';
import { BASE_PATH, type DeliveryRecord, type LakalaParts } from './parts.js';
import { payerRoutes } from './payer-routes.js';
import { findOrder } from './repository.js';
import { orderRoutes } from './routes-orders.js';
import { refundRoutes } from './routes-refunds.js';
import { lakalaTransitions } from './transitions.js';

export { BASE_PATH } from './parts.js';
export type { DeliveryRecord } from './parts.js';
export { CODES } from './codec.js';
export { NOTIFY_RETRY_SCHEDULE_MS } from './notify.js';

/** Due work here: notifications, and refunds answered as processing. */
export type LakalaSimulatorOptions = SimulatorOptions;

/** The simulator's handle: what tests, the admin API and the payer helper act through. */
export interface LakalaSimulator extends SandboxSimulator<SandboxKeys, Faults, DeliveryRecord> {
  /** The payer pays / declines an order, as on the cashier page. */
  payerAct(
    outOrderNo: string,
    action: 'pay' | 'decline',
    payMode?: string,
  ): Promise<{ ok: boolean; reason?: string }>;
  findOrder(
    outOrderNo: string,
  ): Promise<{ merchantNo: string; status: string; total: number; counterUrl: string } | undefined>;
}

const simulators = simulatorInstances<LakalaSimulator>();
export const simulatorOf = simulators.of;

/**
 * The Lakala open platform simulator, mounted under /sandbox/lakala, wired from its parts:
 * auth.ts (the LKLAPI-SHA256withRSA Authorization and envelope verified as Lakala does,
 * every answer signed with the platform key), routes-orders.ts (special_create, query,
 * close), routes-refunds.ts (refund, idmrefundquery), transitions.ts, notify.ts (signed
 * order notifications with Lakala's retry schedule on the injected clock), payer-routes.ts
 * and pages.ts (the hosted cashier), repository.ts (SQL), wire.ts (Lakala's signing rules).
 */
export async function lakalaSimulator(app: FastifyInstance, options: LakalaSimulatorOptions): Promise<void> {
  const { ctx } = options;
  const keys = await loadOrCreateKeys(ctx);
  const faults = new Faults();
  const deliveries: DeliveryRecord[] = [];
  const publicUrl = () => ctx.publicUrl.replace(/\/+$/, '');
  const link = linkFromOptions(options, keys, () => `${publicUrl()}${BASE_PATH}`);
  const life = simulatorLife(app, 'lakala', ctx.log);
  const parts: LakalaParts = {
    ctx,
    keys,
    faults,
    deliveries,
    shapes: lakalaShapes(ctx, keys.merchant.termNo),
    publicUrl,
  };
  // Raw bodies: signatures cover the exact bytes. The cashier page's forms are parsed by hand.
  takeRawBodies(app, 256 * 1024);

  const notices = lakalaNotices(parts);
  const transitions = lakalaTransitions(parts, notices, () => due);
  const due = dueWork(async () => {
    await transitions.settleRefunds();
    await notices.deliverDue();
  });
  const api = lakalaApi(parts, life.hold);
  orderRoutes(app, parts, api);
  refundRoutes(app, parts, api, transitions.settleRefunds);

  const simulator: LakalaSimulator = {
    ...sandboxSimulatorBase({ ctx, keys, faults, deliveries, link, due }),
    payerAct: transitions.payerAct,
    findOrder: async (outOrderNo) => {
      const row = await findOrder(ctx.db, keys.merchant.merchantNo, { out: outOrderNo });
      return row
        ? {
            merchantNo: row.merchant_no,
            status: await parts.shapes.statusOf(ctx.db, row),
            total: Number(row.total_amount),
            counterUrl: `${publicUrl()}${BASE_PATH}/counter/${row.pay_code}`,
          }
        : undefined;
    },
  };
  payerRoutes(app, parts, transitions, async (outOrderNo) => !!(await simulator.findOrder(outOrderNo)));
  putInService({ ctx, simulator, instances: simulators, life, tickMs: tickMsOf(options), due });
}

/**
 * The default merchant as Lakala's open platform hands it to a developer (appid, the API
 * certificate serial and key, merchant and terminal numbers, the platform certificate) with
 * the simulator's base URL, in a channel config's vocabulary.
 */
export function lakalaDefaultMerchant(sim: LakalaSimulator): {
  settings: Record<string, string | number>;
  secrets: Record<string, string>;
} {
  const { merchant, platform } = sim.keys;
  return {
    settings: {
      appid: merchant.appid,
      serial_no: merchant.serialNo,
      merchant_no: merchant.merchantNo,
      term_no: merchant.termNo,
      base_url: `${sim.ctx.publicUrl.replace(/\/+$/, '')}${BASE_PATH}`,
      timeout_ms: sim.clientTimeoutMs(),
    },
    secrets: { private_key: merchant.privateKeyPem, platform_certificate: platform.certificatePem },
  };
}
