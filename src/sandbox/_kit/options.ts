import type { SandboxContext } from './context.js';
import { type SimulatorLink, simulatorLink } from './handles.js';

/** The options every provider's simulator takes (a provider may add its own). */
export interface SimulatorOptions {
  ctx: SandboxContext;
  /** Wall-clock ms between passes of due work (notifications, settling); 0: only runDue(). Default 1000. */
  tickMs?: number;
  /** Connector timeout against the simulator, ms. Default 10000. */
  clientTimeoutMs?: number;
}

/** The ticker's interval a simulator's options ask for. */
export const tickMsOf = (options: SimulatorOptions): number => options.tickMs ?? 1000;

/** The simulator's default merchant as its options set it up (client timeout 10 s by default). */
export function linkFromOptions<Keys>(
  options: SimulatorOptions,
  keys: Keys,
  baseUrl: () => string,
): SimulatorLink<Keys> {
  return simulatorLink({
    ctx: options.ctx,
    keys,
    baseUrl,
    timeoutMs: options.clientTimeoutMs ?? 10_000,
  });
}
