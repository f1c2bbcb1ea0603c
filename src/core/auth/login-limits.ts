import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { FailureWindow } from './failure-window.js';

const WINDOW_MS = 15 * 60 * 1000;

/** Wrong passwords allowed per quarter hour (per node): an account, a client IP, a store. */
export const LOGIN_LIMITS = { perAccount: 10, perIp: 50, perStore: 10 } as const;

interface Windows {
  account: FailureWindow;
  ip: FailureWindow;
  store: FailureWindow;
}

// Per Core rather than per process, so each test server (and each gateway in one process) counts alone.
const byCore = new WeakMap<Core, Windows>();

function windows(core: Core): Windows {
  let found = byCore.get(core);
  if (!found) {
    found = {
      account: new FailureWindow(LOGIN_LIMITS.perAccount, WINDOW_MS),
      ip: new FailureWindow(LOGIN_LIMITS.perIp, WINDOW_MS),
      store: new FailureWindow(LOGIN_LIMITS.perStore, WINDOW_MS),
    };
    byCore.set(core, found);
  }
  return found;
}

const rateLimited = (retryAfterSeconds: number) =>
  new JuheError('rate_limited', `Too many wrong passwords; try again in ${retryAfterSeconds} s`, undefined, {
    retryAfterSeconds,
  });

/** Throws rate_limited (before any hashing) when this IP or this account has failed too often. */
export function assertLoginAllowed(core: Core, ip: string, email: string): void {
  const now = core.clock.now().getTime();
  const { account, ip: ips } = windows(core);
  const wait = Math.max(ips.retryAfter(ip, now), account.retryAfter(email, now));
  if (wait > 0) throw rateLimited(wait);
}

export function recordLoginFailure(core: Core, ip: string, email: string): void {
  const now = core.clock.now().getTime();
  windows(core).ip.fail(ip, now);
  windows(core).account.fail(email, now);
}

/** A right password clears the account's count (not the IP's: one known account must not reset a spray). */
export function recordLoginSuccess(core: Core, email: string): void {
  windows(core).account.clear(email);
}

/** Seconds the store must wait before its supervisor password is checked again; 0 if it may try. */
export function shopPassRetryAfter(core: Core, storeId: string): number {
  return windows(core).store.retryAfter(storeId, core.clock.now().getTime());
}

export function recordShopPassResult(core: Core, storeId: string, ok: boolean): void {
  if (ok) windows(core).store.clear(storeId);
  else windows(core).store.fail(storeId, core.clock.now().getTime());
}
