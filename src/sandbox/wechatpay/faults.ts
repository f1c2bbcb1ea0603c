import { COMMON_FAULT_KINDS, type Fault as KitFault, FaultQueue, faultKindGuard } from '../_kit/faults.js';

/**
 * Fault injection, per simulator: the next `count` API calls or callbacks misbehave.
 * - error_5xx: answer 500 SYSTEM_ERROR (signed) without processing the call
 * - timeout: process the call, then hold the answer for `ms` (the client times out)
 * - delay: deliver the next callbacks `ms` later on the business clock
 * - duplicate: deliver the next callbacks twice
 * - reorder: hold the next `count` callbacks, then deliver them newest first
 * - drop: never deliver the next callbacks (lost notifications: polling must find them)
 * - forge: send the next callbacks' first attempt with a signature from a foreign key
 * - refund_abnormal: the next refunds settle ABNORMAL (REFUND.ABNORMAL callback)
 */
export const FAULT_KINDS = [...COMMON_FAULT_KINDS, 'refund_abnormal'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Fault = KitFault<FaultKind>;

export const isFaultKind = faultKindGuard(FAULT_KINDS);

export class Faults extends FaultQueue<FaultKind> {}
