import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { type SimulatorLink, simulatorLink } from './handles.js';

/** The options every provider's simulator takes (a provider may add its own). */
export interface SimulatorOptions {
  core: Core;
  /** Wall-clock ms between passes of due work (notifications, settling); 0: only runDue(). Default 1000. */
  tickMs?: number;
  /**
   * Serve the connector and reach the gateway's notify route in-process (fastify inject)
   * when URLs point at core.publicUrl. Default true; false sends everything over HTTP.
   */
  inProcess?: boolean;
  /** Connector timeout against the simulator, ms. Default 10000. */
  clientTimeoutMs?: number;
}

/** The ticker's interval a simulator's options ask for. */
export const tickMsOf = (options: SimulatorOptions): number => options.tickMs ?? 1000;

/** The simulator's link to this gateway, as its options set it up (defaults: in-process, 10 s). */
export function linkFromOptions<Keys>(
  app: FastifyInstance,
  options: SimulatorOptions,
  keys: Keys,
  baseUrl: () => string,
): SimulatorLink<Keys> {
  return simulatorLink(app, {
    core: options.core,
    keys,
    baseUrl,
    inProcess: options.inProcess ?? true,
    timeoutMs: options.clientTimeoutMs ?? 10_000,
  });
}
