import { randomInt } from 'node:crypto';
import type { SandboxContext } from '../_kit/context.js';
import type { LakalaShapes } from './codec.js';
import type { Faults } from './faults.js';
import type { SandboxKeys } from './keys.js';

export const BASE_PATH = '/sandbox/lakala';

export interface DeliveryRecord {
  noticeId: string;
  outOrderNo: string;
  attempt: number;
  /** HTTP status, or null when nothing answered. */
  status: number | null;
  /** Whether the answer was Lakala's success acknowledgement. */
  acknowledged: boolean;
  forged: boolean;
}

/** What the simulator's files share. */
export interface LakalaParts {
  ctx: SandboxContext;
  keys: SandboxKeys;
  faults: Faults;
  deliveries: DeliveryRecord[];
  shapes: LakalaShapes;
  publicUrl(): string;
}

export const digits = (n: number): string => Array.from({ length: n }, () => randomInt(0, 10)).join('');
