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
import { tokenRoute } from './auth.js';
import { PAYPAL_BASE_PATH, type PpSim } from './context.js';
import { PaypalFaults } from './faults.js';
import { loadOrCreatePaypalKeys, type PaypalSandboxKeys } from './keys.js';
import { type PaypalDelivery, WebhookOutbox } from './notify.js';
import { type PayerAct, payerRoutes } from './pages.js';
import { findOrder } from './repository.js';
import { reportingRoutes } from './reporting.js';
import { apiPipeline, apiRoutes } from './routes.js';
import { paypalShapes } from './shapes.js';
import { payerApproves } from './transitions.js';
import { settleDue } from './transitions-refund.js';

export { APPROVAL_WINDOW_MS, PAYPAL_BASE_PATH, TOKEN_LIFETIME_S } from './context.js';
export { WEBHOOK_RETRY_SCHEDULE_MS } from './notify.js';

/** Due work here: webhooks, and captures and refunds a fault left pending. */
export type PaypalSimulatorOptions = SimulatorOptions;

/** The simulator's handle: what tests, the admin API and the payer helper act through. */
export interface PaypalSimulator extends SandboxSimulator<PaypalSandboxKeys, PaypalFaults, PaypalDelivery> {
  /** The payer on the approve page: approve (pay) or cancel. Returns where the browser goes next. */
  payerAct: PayerAct;
  /** The payer's browser following a redirect to the gateway (return or cancel URL). */
  follow(url: string): Promise<number | null>;
  findOrder(orderId: string): Promise<
    | {
        id: string;
        status: string;
        captureStatus: string | null;
        amount: number;
        currency: string;
        approveUrl: string;
      }
    | undefined
  >;
  /** The reporting API's statement faults. */
  reporting: ReturnType<typeof reportingRoutes>;
}

const simulators = simulatorInstances<PaypalSimulator>();
export const paypalSimulatorOf = simulators.of;

/**
 * The PayPal simulator under /sandbox/paypal: OAuth 2.0 client credentials, Orders v2
 * (create, show, capture), Payments v2 (show capture, refund, show refund), Transaction
 * Search (/v1/reporting/transactions), webhook signature postback and the certificate it
 * signs webhooks with; the payer's checkout page; signed webhooks with retries on the
 * business clock; fault injection. This file wires the parts.
 */
export async function paypalSimulator(app: FastifyInstance, options: PaypalSimulatorOptions): Promise<void> {
  const { ctx } = options;
  const keys = await loadOrCreatePaypalKeys(ctx);
  const faults = new PaypalFaults();
  const base = () => `${ctx.publicUrl.replace(/\/+$/, '')}${PAYPAL_BASE_PATH}`;
  const link = linkFromOptions(options, keys, base);
  const life = simulatorLife(app, 'paypal', ctx.log);
  const sim: PpSim = {
    ctx,
    keys,
    faults,
    base,
    hold: life.hold,
    outbox: new WebhookOutbox({ ctx, keys, faults, base }),
    shapes: paypalShapes(base, keys),
  };
  const { outbox } = sim;

  takeRawBodies(app, 256 * 1024);
  tokenRoute(app, sim);
  const api = apiPipeline(sim);
  apiRoutes(app, sim, api);
  const reporting = reportingRoutes(app, sim, api);

  const due = dueWork(async () => {
    // Deliveries an answer set off (and those their handlers set off in turn) finish first.
    await outbox.drain();
    await settleDue(sim);
    await outbox.deliverDue();
    await outbox.drain();
  });

  const payerAct: PayerAct = async (orderId, action) => {
    const outcome = await payerApproves(sim, orderId, action);
    if (outcome.webhookId) outbox.deliverSoon(outcome.webhookId);
    return {
      ok: outcome.ok,
      ...(outcome.redirect ? { redirect: outcome.redirect } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    };
  };
  const follow = (url: string) => outbox.reach('GET', url);
  payerRoutes(app, sim, payerAct, follow);

  const simulator: PaypalSimulator = {
    ...sandboxSimulatorBase({ ctx, keys, faults, deliveries: outbox.deliveries, link, due }),
    payerAct,
    follow,
    reporting,
    async findOrder(orderId) {
      const o = await findOrder(ctx.db, orderId);
      return o
        ? {
            id: o.id,
            status: o.status,
            captureStatus: o.capture_status,
            amount: Number(o.amount),
            currency: o.currency,
            approveUrl: sim.shapes.approveUrl(o.id),
          }
        : undefined;
    },
  };
  putInService({
    ctx,
    simulator,
    instances: simulators,
    life,
    tickMs: tickMsOf(options),
    due,
    drain: () => outbox.drain(),
  });
}

/**
 * The default REST app as PayPal's developer dashboard shows it (client id and secret, the
 * webhook id) with the simulator's base URL, in a channel config's vocabulary.
 */
export function paypalDefaultMerchant(sim: PaypalSimulator): {
  settings: Record<string, string | number>;
  secrets: Record<string, string>;
} {
  return {
    settings: {
      client_id: sim.keys.clientId,
      webhook_id: sim.keys.webhookId,
      base_url: `${sim.ctx.publicUrl.replace(/\/+$/, '')}${PAYPAL_BASE_PATH}`,
      timeout_ms: sim.clientTimeoutMs(),
    },
    secrets: { client_secret: sim.keys.clientSecret },
  };
}
