import type { SandboxContext } from './context.js';

/** A simulator's default merchant: its keys, its base URL and the client timeout it advises. */
export interface SandboxHandle<Keys> {
  ctx: SandboxContext;
  /** The simulator's default merchant (and its own) keys, generated at first start. */
  keys: Keys;
  /** The simulator's base URL under `${ctx.publicUrl}`, read at each call (set after listen). */
  readonly baseUrl: string;
  /** Advised connector timeout against the simulator (ms): the default config's settings.timeout_ms. */
  timeoutMs: number;
}

/** A simulator's default merchant as it presents itself: keys, base URL and the client timeout it advises. */
export interface SimulatorLink<Keys> {
  readonly handle: SandboxHandle<Keys>;
  /** The connector timeout advised with the default merchant (its settings.timeout_ms), ms. */
  setClientTimeout(ms: number): void;
}

export function simulatorLink<Keys>(options: {
  ctx: SandboxContext;
  keys: Keys;
  baseUrl: () => string;
  timeoutMs: number;
}): SimulatorLink<Keys> {
  const handle: SandboxHandle<Keys> = {
    ctx: options.ctx,
    keys: options.keys,
    get baseUrl() {
      return options.baseUrl();
    },
    timeoutMs: options.timeoutMs,
  };
  return {
    handle,
    setClientTimeout(ms) {
      handle.timeoutMs = ms;
    },
  };
}
