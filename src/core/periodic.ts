import type { Core } from './context.js';

/**
 * Runs `work` every `intervalMs`, one pass at a time (a slow pass delays the next rather
 * than overlapping it), until the returned stop function is called; stop waits for the
 * pass in flight. Failures are logged and the next tick tries again.
 */
export function startPeriodic(
  core: Core,
  name: string,
  intervalMs: number,
  work: () => Promise<unknown>,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(work).catch((error) => core.log.error({ err: error }, name));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
