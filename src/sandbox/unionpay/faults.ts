import { COMMON_FAULT_KINDS, type Fault as KitFault, FaultQueue, faultKindGuard } from '../_kit/faults.js';

/**
 * Fault injection for the UnionPay simulator: the next `count` gateway calls or back
 * notifications misbehave.
 * - error_5xx: answer HTTP 500 without processing the call
 * - timeout: process the call, then hold the answer for `ms` (the client times out)
 * - delay: deliver the next notifications `ms` later on the business clock
 * - duplicate: deliver the next notifications twice
 * - reorder: hold the next `count` notifications, then deliver them newest first
 * - drop: never deliver the next notifications (lost: polling must find them)
 * - forge: the next notifications' first attempt is signed by a key and certificate of
 *   UnionPay's name that no trusted middle certificate issued
 * - refund_fail: the next accepted refunds settle failed (origRespCode 01), no notification
 */
export const UNIONPAY_FAULT_KINDS = [...COMMON_FAULT_KINDS, 'refund_fail'] as const;
export type UnionpayFaultKind = (typeof UNIONPAY_FAULT_KINDS)[number];

export type UnionpayFault = KitFault<UnionpayFaultKind>;

export const isUnionpayFaultKind = faultKindGuard(UNIONPAY_FAULT_KINDS);

export class UnionpayFaults extends FaultQueue<UnionpayFaultKind> {}
