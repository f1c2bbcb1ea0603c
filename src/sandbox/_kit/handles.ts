import type { SandboxContext } from './context.js';

/** What a connector not yet given a config finds of its provider's simulator (issue 11: going away). */
export interface SandboxHandle<Keys> {
  ctx: SandboxContext;
  /** The simulator's default merchant (and its own) keys, generated at first start. */
  keys: Keys;
  /** The simulator's base URL under `${ctx.publicUrl}`, read at each call (set after listen). */
  readonly baseUrl: string;
  /** Connector call timeout against the simulator (ms). */
  timeoutMs: number;
}

const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * A provider whose connector still looks its simulator up (Lakala, PayPal, UnionPay until
 * they take a config like Alipay and WeChat Pay): the simulator announces its default
 * merchant when mounted, found by the gateway's public URL (the latest, if several).
 */
export function handleRegistry<H extends { ctx: SandboxContext }>(): {
  announce(handle: H): () => void;
  find(publicUrl: string): H | undefined;
} {
  const handles = new Set<H>();
  return {
    announce(handle) {
      handles.add(handle);
      return () => handles.delete(handle);
    },
    find(publicUrl) {
      let found: H | undefined;
      for (const handle of handles) if (trim(handle.ctx.publicUrl) === trim(publicUrl)) found = handle;
      return found;
    },
  };
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
