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
import { type AcpFields, encodeForm } from './acp.js';
import { type UnionpayBills, unionpayBills } from './bills.js';
import { UnionpayFaults } from './faults.js';
import { type UnionpaySandboxKeys, loadOrCreateUnionpayKeys } from './keys.js';
import { unionpayNotices } from './notify.js';
import { API, BASE_PATH, type NoticeDelivery, type UnionpayParts } from './parts.js';
import { payerRoutes } from './payer-routes.js';
import { findTxn } from './repository.js';
import { FILE_PATH, gatewayRoutes } from './routes.js';
import { unionpaySigner } from './sign.js';
import { type PayerOutcome, unionpayTransitions } from './transitions.js';

export { BASE_PATH } from './parts.js';
export type { NoticeDelivery } from './parts.js';
export { RESP } from './codec.js';
export { NOTICE_RETRY_SCHEDULE_MS } from './notify.js';

export interface UnionpaySimulatorOptions extends SimulatorOptions {
  /** Business-clock ms before an accepted refund settles. Default 0 (the next run of due work). */
  refundSettleMs?: number;
  /** The fee on the daily file, parts per million of each amount. Default 5000 (0.50%). */
  feeRatePpm?: number;
}

export interface UnionpaySimulator extends SandboxSimulator<
  UnionpaySandboxKeys,
  UnionpayFaults,
  NoticeDelivery
> {
  /** The payer pays or declines a consume, as on the cashier page. */
  payerAct(orderId: string, action: 'pay' | 'decline'): Promise<PayerOutcome>;
  /** Posts a web charge's signed form to frontTransReq.do as the payer's browser does; true when accepted. */
  submitFront(fields: AcpFields): Promise<boolean>;
  findTxn(orderId: string): Promise<
    | {
        merId: string;
        txnType: string;
        respCode: string | null;
        txnAmt: number;
        queryId: string | null;
        cashierUrl: string | null;
      }
    | undefined
  >;
  /** The daily files: their faults and fee rate. */
  bills: Omit<UnionpayBills, 'download'>;
}

const simulators = simulatorInstances<UnionpaySimulator>();
export const unionpaySimulatorOf = simulators.of;

/**
 * The UnionPay ACP 5.1.0 simulator under /sandbox/unionpay, wired from its parts:
 * routes.ts (frontTransReq.do, appTransReq.do, backTransReq.do, queryTrans.do and the file
 * download), auth.ts (requests verified as UnionPay does), transitions.ts (consumes and
 * refunds), sign.ts (every answer signed with signPubKeyCert), notify.ts (signed back
 * notifications with retries on the business clock), payer-routes.ts and pages.ts (the
 * cashier and the front notification), bills.ts (the daily ZM file), repository.ts (SQL).
 */
export async function unionpaySimulator(
  app: FastifyInstance,
  options: UnionpaySimulatorOptions,
): Promise<void> {
  const { ctx } = options;
  const keys = await loadOrCreateUnionpayKeys(ctx);
  const faults = new UnionpayFaults();
  const deliveries: NoticeDelivery[] = [];
  const publicUrl = () => ctx.publicUrl.replace(/\/+$/, '');
  const link = linkFromOptions(options, keys, () => `${publicUrl()}${API}/`);
  const life = simulatorLife(app, 'unionpay', ctx.log);
  const parts: UnionpayParts = {
    ctx,
    keys,
    faults,
    signer: unionpaySigner(keys, () => ctx.clock.now()),
    deliveries,
    refundSettleMs: options.refundSettleMs ?? 0,
    publicUrl,
  };
  takeRawBodies(app, 64 * 1024);

  const notices = unionpayNotices(parts);
  const transitions = unionpayTransitions(parts, notices, () => due);
  const due = dueWork(async () => {
    await transitions.settleRefunds();
    await notices.deliverDue();
  });
  const bills = unionpayBills(parts, options.feeRatePpm);
  gatewayRoutes(app, parts, transitions, bills, life.hold);

  const simulator: UnionpaySimulator = {
    ...sandboxSimulatorBase({ ctx, keys, faults, deliveries, link, due }),
    payerAct: transitions.payerAct,
    submitFront: async (fields) => {
      const res = await app.inject({
        method: 'POST',
        url: `${API}/frontTransReq.do`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: encodeForm(fields),
      });
      return res.statusCode === 303;
    },
    findTxn: async (orderId) => {
      const row = await findTxn(ctx.db, keys.merId, orderId);
      return row
        ? {
            merId: row.mer_id,
            txnType: row.txn_type,
            respCode: row.resp_code,
            txnAmt: Number(row.txn_amt),
            queryId: row.query_id,
            cashierUrl: row.pay_code ? `${publicUrl()}${BASE_PATH}/cashier/${row.pay_code}` : null,
          }
        : undefined;
    },
    bills: { faults: bills.faults, setFeeRate: bills.setFeeRate },
  };
  payerRoutes(app, parts, transitions, {
    submitFront: simulator.submitFront,
    exists: async (orderId) => !!(await simulator.findTxn(orderId)),
  });
  putInService({ ctx, simulator, instances: simulators, life, tickMs: tickMsOf(options), due });
}

/**
 * The default merchant as UnionPay's merchant service portal hands it to a developer (merId,
 * the signing key and its certId, the verification chain) with the simulator's gateway and
 * file download addresses, in a channel config's vocabulary (also for Apple Pay, which goes
 * through UnionPay).
 */
export function unionpayDefaultMerchant(sim: UnionpaySimulator): {
  settings: Record<string, string | number | boolean>;
  secrets: Record<string, string>;
} {
  const { keys } = sim;
  const root = sim.ctx.publicUrl.replace(/\/+$/, '');
  return {
    settings: {
      mer_id: keys.merId,
      cert_id: keys.merchant.certId,
      base_url: `${root}${API}/`,
      file_url: `${root}${FILE_PATH}`,
      timeout_ms: sim.clientTimeoutMs(),
      validate_cn_name: false,
    },
    secrets: {
      sign_private_key: keys.merchant.privateKeyPem,
      sign_cert: keys.merchant.certPem,
      middle_cert: keys.middleCertPem,
      root_cert: keys.rootCertPem,
    },
  };
}
