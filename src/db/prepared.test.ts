import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, freshDb, type TestDb } from '../../test/support/db.js';
import { prepared } from './prepared.js';
import { sql } from './sql.js';

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
