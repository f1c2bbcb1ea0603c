import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** What a simulator's faults and background work need from its life in the server. */
export interface SimulatorLife {
  /** Waits `ms` (a simulated slow answer, for the timeout fault); released at once on close. */
  hold(ms: number): Promise<void>;
  /**
   * Runs `tick` (due notifications, refunds settling) every `tickMs` while the server is
   * open (0: never, a test drives it); on close, releases every hold, stops ticking and
   * runs `cleanup` (withdraw the handle, wait for work in flight).
   */
  start(options: { tickMs: number; tick: () => Promise<void>; cleanup: () => Promise<void> | void }): void;
}

/** One simulator's life in a fastify server; `name` labels its log lines. */
export function simulatorLife(app: FastifyInstance, name: string, log: Logger): SimulatorLife {
  const holds = new Set<() => void>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let cleanup: () => Promise<void> | void = () => undefined;
  app.addHook('onClose', async () => {
    closed = true;
    if (timer) clearInterval(timer);
    for (const release of [...holds]) release();
    await cleanup();
  });
  return {
    hold: (ms) =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        const done = () => {
          clearTimeout(wait);
          holds.delete(done);
          resolve();
        };
        const wait = setTimeout(done, ms);
        holds.add(done);
      }),
    start(options) {
      cleanup = options.cleanup;
      if (options.tickMs <= 0 || closed) return;
      timer = setInterval(() => {
        options.tick().catch((err) => log.warn({ err }, `${name} simulator: due work failed`));
      }, options.tickMs);
      timer.unref();
    },
  };
}
