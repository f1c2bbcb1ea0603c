/** A simulator's due work (settling, notifications owed), run one pass at a time. */
export interface DueWork {
  /** Starts a pass after the ones already asked for; resolves when it is done. */
  run(): Promise<void>;
  /** Resolves once every pass asked for so far is over, whether it failed or not. */
  settled(): Promise<void>;
}

/**
 * The ticker, the admin API's run route, tests and the payer's own delivery may all ask for
 * due work at once, and two passes must not overlap (each claims rows the other would), so
 * passes are chained. A failed pass (a lost database connection, say) fails only its own
 * caller: the next pass starts after it all the same, or one error would stop a simulator's
 * settling and notifications until it restarted.
 */
export function dueWork(pass: () => Promise<void>): DueWork {
  let running: Promise<void> = Promise.resolve();
  return {
    run() {
      running = running.catch(() => undefined).then(pass);
      return running;
    },
    settled: () => running.catch(() => undefined),
  };
}
