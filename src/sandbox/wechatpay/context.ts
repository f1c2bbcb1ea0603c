import type { KeyObject } from 'node:crypto';
import type { SandboxContext } from '../_kit/context.js';
import type { Faults } from './faults.js';
import type { SandboxKeys } from './keys.js';

/** The simulator's path under the server's public URL. */
export const BASE_PATH = '/sandbox/wechatpay';

/** One delivery attempt of a callback, as the handle's `deliveries` records it. */
export interface DeliveryRecord {
  callbackId: string;
  eventType: string;
  attempt: number;
  status: number | null;
  forged: boolean;
}

/**
 * What every file of one running WeChat Pay simulator shares: its context, keys (and the
 * key objects made from them once), faults, the deliveries made, and its settings.
 */
export interface WxSim {
  ctx: SandboxContext;
  keys: SandboxKeys;
  /** The merchant's API certificate key: verifies the merchant's v3 requests. */
  merchantKey: KeyObject;
  /** The platform key: signs answers and callbacks. */
  platformKey: KeyObject;
  /** The forge fault's signer, a key the merchant never saw. */
  forgeKey: () => KeyObject;
  faults: Faults;
  deliveries: DeliveryRecord[];
  /** `${publicUrl}/sandbox/wechatpay`, read at each use. */
  baseUrl(): string;
  /** Waits `ms` (the timeout fault), released when the server closes. */
  hold(ms: number): Promise<void>;
  /** Business-clock ms before a refund settles. */
  refundSettleMs: number;
}

/** A WeChat Pay v3 error answer: HTTP status and {code, message}. */
export class WxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Throws WeChat's PARAM_ERROR with `message` unless `cond` holds. */
export function param(cond: boolean, message: string): asserts cond {
  if (!cond) throw new WxError(400, 'PARAM_ERROR', message);
}

export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
