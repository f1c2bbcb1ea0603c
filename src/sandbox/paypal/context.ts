import type { SandboxContext } from '../_kit/context.js';
import type { PaypalFaults } from './faults.js';
import type { PaypalSandboxKeys } from './keys.js';
import type { WebhookOutbox } from './notify.js';
import type { paypalShapes } from './shapes.js';

export const PAYPAL_BASE_PATH = '/sandbox/paypal';
/** Access tokens live 9 hours (expires_in 32400), on the business clock. */
export const TOKEN_LIFETIME_S = 32_400;
/** A payer has 3 hours from creation to approve an order (PayPal's default). */
export const APPROVAL_WINDOW_MS = 3 * 3600_000;

/** What every file of one running PayPal simulator shares. */
export interface PpSim {
  ctx: SandboxContext;
  keys: PaypalSandboxKeys;
  faults: PaypalFaults;
  /** `<public url>/sandbox/paypal`, read at each use. */
  base(): string;
  /** Waits `ms` (the timeout fault), released when the server closes. */
  hold(ms: number): Promise<void>;
  outbox: WebhookOutbox;
  shapes: ReturnType<typeof paypalShapes>;
}

/** A REST handler's inputs and answer (the pipeline in routes.ts authenticates and parses). */
export type ApiHandler = (c: {
  body: any;
  params: any;
  query: any;
  prefer: string;
}) => Promise<{ status: number; body: unknown; cut?: boolean }>;
