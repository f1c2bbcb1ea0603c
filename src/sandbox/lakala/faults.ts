import { COMMON_FAULT_KINDS, type Fault as KitFault, FaultQueue, faultKindGuard } from '../_kit/faults.js';

/**
 * Fault injection for the Lakala simulator: the next `count` API calls or notifications misbehave.
 * - error_5xx: answer HTTP 500 {code: '999999'} (signed) without processing the call
 * - timeout: process the call, then hold the answer for `ms` (the client times out)
 * - delay: deliver the next notifications `ms` later on the business clock
 * - duplicate: deliver the next notifications twice
 * - reorder: hold the next `count` notifications, then deliver them newest first
 * - drop: never deliver the next notifications (lost: polling must find the payment)
 * - forge: send the next notifications' first attempt signed by a foreign key
 * - refund_fail: refuse the next refunds with BBS11004 (a definite refund failure)
 * - refund_processing: answer the next refunds BBS11112 (processing); they settle after `ms`
 */
export const FAULT_KINDS = [...COMMON_FAULT_KINDS, 'refund_fail', 'refund_processing'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Fault = KitFault<FaultKind>;

export const isFaultKind = faultKindGuard(FAULT_KINDS);

export class Faults extends FaultQueue<FaultKind> {}
