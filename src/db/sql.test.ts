import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, freshDb, type TestDb } from '../../test/support/db.js';
import { firstRow, rows, sql } from './sql.js';

describe.each(engines())('typed SQL over the storage seam (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(engine);
  });
  afterAll(() => t.drop());

  it('builds a statement with numbered parameters and runs it inside and outside a transaction', async () => {
    const query = sql.selectFrom('schema_migrations').select(['name']).where('name', '>=', '0');
    expect(query.compile().sql).toBe('select "name" from "schema_migrations" where "name" >= $1');
    const outside = await rows(t.db, query);
    const inside = await t.db.tx((q) => rows(q, query));
    expect(outside.length).toBeGreaterThan(0);
    expect(inside).toEqual(outside);
    expect(await firstRow(t.db, query.where('name', '=', 'none'))).toBeUndefined();
  });
});
