import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, freshDb, type TestDb } from '../../test/support/db.js';
import type { Queryable } from './db.js';
import { columnsOf, prepared } from './prepared.js';
import { sql } from './sql.js';

/** A Queryable that only records the parameters it is given. */
function recorder() {
  const seen: unknown[][] = [];
  const q: Queryable = { query: async (_sql, params = []) => (seen.push([...params]), []) };
  return { q, seen };
}

describe('statements compiled once', () => {
  it('binds grouped values by their columns and the same placeholder wherever it is used', async () => {
    type App = { id: string; merchant_id: string; name: string; created_at: Date };
    const insertApp = prepared<{ app: App; at: { now: Date } }>()((p) =>
      sql
        .with('app_row', () =>
          sql
            .insertInto('apps')
            .values(columnsOf(p.app, ['id', 'merchant_id', 'name', 'created_at'] as const))
            .returning('id'),
        )
        .selectFrom('app_row')
        .select((s) => ['id', s.val(p.at.now).as('from'), s.val(p.at.now).as('to')]),
    );
    expect(insertApp.sql).toBe(
      'with "app_row" as (insert into "apps" ("id", "merchant_id", "name", "created_at") values ($1, $2, $3, $4) returning "id") select "id", $5 as "from", $6 as "to" from "app_row"',
    );
    const { q, seen } = recorder();
    const [at, now] = [new Date(0), new Date(1)];
    await insertApp.run(q, {
      app: { name: 'Shop', id: 'app_1', created_at: at, merchant_id: 'mer_1' },
      at: { now },
    });
    await insertApp.run(q, {
      app: { name: 'Two', id: 'app_2', created_at: now, merchant_id: 'mer_2' },
      at: { now: at },
    });
    expect(seen).toEqual([
      ['app_1', 'mer_1', 'Shop', at, now, now],
      ['app_2', 'mer_2', 'Two', now, at, at],
    ]);
  });

  it('refuses to spread a group into an insert: its columns are named with columnsOf', () => {
    expect(() =>
      prepared<{ app: { id: string } }>()((p) => sql.insertInto('apps').values({ ...p.app } as never)),
    ).toThrow(/columns of "app" with columnsOf/);
  });
});

describe.each(engines())('statements compiled once (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(engine);
  });
  afterAll(() => t.drop());

  it('binds named values per call, keeps constants of the shape, and runs in a transaction', async () => {
    const migrations = prepared<{ from: string; to: string }>()((p) =>
      sql
        .selectFrom('schema_migrations')
        .select('name')
        .where('name', '>=', p.from)
        .where('name', '<', p.to)
        .where('name', '<>', 'never')
        .orderBy('name'),
    );
    expect(migrations.sql).toBe(
      'select "name" from "schema_migrations" where "name" >= $1 and "name" < $2 and "name" <> $3 order by "name"',
    );
    const all = await migrations.run(t.db, { from: '0', to: 'z' });
    expect(all.length).toBeGreaterThan(0);
    const none = await t.db.tx((q) => migrations.run(q, { from: 'z', to: 'zz' }));
    expect(none).toEqual([]);
  });
});
