import { randomInt } from 'node:crypto';
import { chinaStamp } from '../../domain/china-time.js';
import type { SandboxContext } from '../_kit/context.js';
import type { UnionpayFaults } from './faults.js';
import type { UnionpaySandboxKeys } from './keys.js';
import type { UnionpaySigner } from './sign.js';

export const BASE_PATH = '/sandbox/unionpay';
export const API = `${BASE_PATH}/gateway/api`;

/** One record per back-notification attempt (tests and the admin API read them). */
export interface NoticeDelivery {
  noticeId: string;
  orderId: string;
  txnType: string;
  attempt: number;
  status: number | null;
  forged: boolean;
}

/** What the simulator's files share: its context, keys, faults, signer and delivery log. */
export interface UnionpayParts {
  ctx: SandboxContext;
  keys: UnionpaySandboxKeys;
  faults: UnionpayFaults;
  signer: UnionpaySigner;
  deliveries: NoticeDelivery[];
  /** Business-clock ms before an accepted refund settles. */
  refundSettleMs: number;
  publicUrl(): string;
}

/** A 21-digit queryId or tn: the China-time stamp and seven random digits. */
export const stamp21 = (now: Date): string => chinaStamp(now) + String(randomInt(0, 1e7)).padStart(7, '0');
