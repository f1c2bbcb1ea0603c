import type { SandboxContext } from '../_kit/context.js';
import type { StatementFaults } from '../_kit/statement-faults.js';
import type { AlipayAuthCodes } from './oauth.js';

/**
 * Sends a notification form and returns what the receiver answered (throws when nothing
 * answered). The simulator posts over HTTP behind the sandbox's target guard.
 */
export type NotifySender = (
  url: string,
  form: Record<string, string>,
) => Promise<{ status: number; body: string }>;

/** What every step of the Alipay simulator's pipeline is handed: one per SandboxContext. */
export interface AlipaySim {
  ctx: SandboxContext;
  send: NotifySender;
  /** The auth codes of the payers' web authorizations (oauth.ts). */
  authCodes: AlipayAuthCodes;
  /** One notification pass at a time per process (notify.ts). */
  delivery: { running: boolean; moreDue: boolean };
  /** The daily statements: their faults and the fee rate (bills.ts). */
  statements: { faults: StatementFaults; feeRatePpm: number };
}

export const now = (sim: AlipaySim): Date => sim.ctx.clock.now();
