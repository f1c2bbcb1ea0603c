import type { Compilable, InferResult } from 'kysely';
import type { Queryable } from './db.js';

/** Stands for a named value while a statement is compiled once. */
class Placeholder {
  constructor(readonly name: string) {}
}

/**
 * A statement of fixed shape on a hot path, built with kysely and compiled once: each call
 * binds its named values (`{ id }`), so no call pays for building and compiling it again,
 * and its text, the name of its prepared statement, never changes.
 *
 *   const chargeById = prepared<{ id: string }>()((p) => sql.selectFrom('charges').selectAll().where('id', '=', p.id));
 *   const [row] = await chargeById.run(q, { id });
 */
export function prepared<Values extends Record<string, unknown>>() {
  return <Q extends Compilable<unknown>>(build: (values: Values) => Q) => {
    const placeholders = new Proxy({} as Values, {
      get: (_target, name) => new Placeholder(String(name)),
    });
    const compiled = build(placeholders).compile();
    // Each parameter is either a named value bound per call or a constant of the shape.
    const slots: Array<{ name: string } | { value: unknown }> = compiled.parameters.map((value) =>
      value instanceof Placeholder ? { name: value.name } : { value },
    );
    return {
      sql: compiled.sql,
      async run(q: Queryable, values: Values): Promise<InferResult<Q>> {
        const parameters = slots.map((slot) => ('name' in slot ? values[slot.name] : slot.value));
        return (await q.query(compiled.sql, parameters)) as InferResult<Q>;
      },
    };
  };
}
