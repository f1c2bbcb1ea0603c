import { describe, expect, it } from 'vitest';
import { sql } from './sql.js';
import { slotsOf, statementTemplate } from './statement-template.js';

describe('statement templates', () => {
  it('compiles once and fills its numbered parameters from the named values on each run', async () => {
    const template = statementTemplate((slot) =>
      sql
        .insertInto('apps')
        .values(slotsOf(slot, 'app', ['id', 'merchant_id', 'name', 'created_at'] as const))
        .returning(['id']),
    );
    expect(template.sql).toBe(
      'insert into "apps" ("id", "merchant_id", "name", "created_at") values ($1, $2, $3, $4) returning "id"',
    );
    const seen: unknown[][] = [];
    const q = { query: async (_sql: string, params?: readonly unknown[]) => (seen.push([...params!]), []) };
    const at = new Date(0);
    await template.run(q as never, {
      app: { name: 'Shop', id: 'app_1', created_at: at, merchant_id: 'mer_1' },
    });
    expect(seen).toEqual([['app_1', 'mer_1', 'Shop', at]]);
  });

  it('refuses a value that is not a slot (it would be frozen into every run)', () => {
    expect(() =>
      statementTemplate(() => sql.selectFrom('apps').selectAll().where('name', '=', 'fixed')),
    ).toThrow(/not a slot/);
  });
});
