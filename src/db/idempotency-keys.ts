import type { Queryable } from './db.js';
import { firstRow, rows, sql } from './sql.js';

/** Admin `Idempotency-Key` claims and the responses stored under them. */
export async function deleteExpiredKey(q: Queryable, actor: string, key: string, now: Date): Promise<void> {
  await rows(
    q,
    sql
      .deleteFrom('idempotency_keys')
      .where('actor', '=', actor)
      .where('key', '=', key)
      .where('expires_at', '<=', now),
  );
}

/** Claims the key with one INSERT: false when another request holds it already. */
export async function claimKey(
  q: Queryable,
  c: {
    actor: string;
    key: string;
    method: string;
    path: string;
    requestHash: string;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<boolean> {
  const claimed = await rows(
    q,
    sql
      .insertInto('idempotency_keys')
      .values({
        actor: c.actor,
        key: c.key,
        method: c.method,
        path: c.path,
        request_hash: c.requestHash,
        created_at: c.createdAt,
        expires_at: c.expiresAt,
      })
      .onConflict((oc) => oc.columns(['actor', 'key']).doNothing())
      .returning('key'),
  );
  return claimed.length > 0;
}

export function findKey(q: Queryable, actor: string, key: string) {
  return firstRow(
    q,
    sql
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'response_status', 'response_body'])
      .where('actor', '=', actor)
      .where('key', '=', key),
  );
}

/** Gives the key up (a 5xx answer): a retry runs again. */
export async function releaseKey(q: Queryable, actor: string, key: string): Promise<void> {
  await rows(q, sql.deleteFrom('idempotency_keys').where('actor', '=', actor).where('key', '=', key));
}

/** `body` is the response as sent: JSON text. */
export async function storeResponse(
  q: Queryable,
  actor: string,
  key: string,
  status: number,
  body: string,
): Promise<void> {
  await rows(
    q,
    sql
      .updateTable('idempotency_keys')
      .set({ response_status: status, response_body: body })
      .where('actor', '=', actor)
      .where('key', '=', key),
  );
}
