import { JuheError } from '../../domain/errors.js';

/**
 * Runs at most `limit` pieces of CPU-heavy work at once; the rest wait in a bounded queue,
 * and beyond it the caller is told to come back (rate_limited, retry after a second).
 * Password hashing already runs on libuv's thread pool, but 16 parallel scrypt calls on a
 * 2-core machine still took the CPU from every other request; one at a time, they do not.
 */
export class WorkSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) {
      this.running++;
    } else {
      if (this.waiting.length >= this.maxWaiting) {
        throw new JuheError('rate_limited', 'Too many sign-ins at once; try again shortly', undefined, {
          retryAfterSeconds: 1,
        });
      }
      // The finishing job hands its slot straight to us, so `running` stays counted.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
