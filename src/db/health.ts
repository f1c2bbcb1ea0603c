import type { Queryable } from './db.js';

/**
 * Whether the database answers `SELECT 1` within `withinMs`. A frozen server (or a pool
 * whose every connection waits on one) would otherwise hold a readiness probe for as long
 * as the freeze lasts; a load balancer needs "no" within its own probe timeout instead.
 * The abandoned query still ends by itself, bounded by the pool's own timeouts.
 */
export async function databaseAnswers(db: Queryable, withinMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), withinMs);
  });
  const answered = db.query('SELECT 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}
