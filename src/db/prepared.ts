import type { Compilable, InferResult } from 'kysely';
import type { Queryable } from './db.js';

/** The path of each placeholder (`['charge', 'id']` for `p.charge.id`), by the placeholder itself. */
const paths = new WeakMap<object, readonly string[]>();

/**
 * Stands for the value at `path` while a statement is compiled once. Any property of it is
 * a placeholder one level down, so values may come in groups (`p.charge.id`). It has no keys
 * of its own: a group goes into an insert through `columnsOf`, which names its columns.
 */
function placeholder(path: readonly string[]): object {
  const stand = new Proxy(
    {},
    {
      get: (_target, name) => (typeof name === 'string' ? placeholder([...path, name]) : undefined),
      ownKeys: () => {
        throw new Error(`prepared: list the columns of "${path.join('.')}" with columnsOf`);
      },
    },
  );
  paths.set(stand, path);
  return stand;
}

/**
 * A statement of fixed shape on a hot path, built with kysely and compiled once: each call
 * binds its named values (`{ id }`), so no call pays for building and compiling it again
 * (tens of microseconds; the one-statement charge create, about 100 us), and its text, the
 * name of its prepared statement in the storage seam, never changes.
 *
 *   const chargeById = prepared<{ id: string }>()((p) => sql.selectFrom('charges').selectAll().where('id', '=', p.id));
 *   const [row] = await chargeById.run(q, { id });
 *
 * Values may be grouped one level or more (`{ charge: {...}, event: {...} }`), bound from
 * `values.charge.id` and so on.
 */
export function prepared<Values extends object>() {
  return <Q extends Compilable<unknown>>(build: (values: Values) => Q) => {
    const compiled = build(placeholder([]) as Values).compile();
    // Each parameter is either a value bound per call, by its path, or a constant of the shape.
    const slots: Array<{ path: readonly string[] } | { value: unknown }> = compiled.parameters.map(
      (value) => {
        const path = typeof value === 'object' && value !== null ? paths.get(value) : undefined;
        return path ? { path } : { value };
      },
    );
    return {
      sql: compiled.sql,
      async run(q: Queryable, values: Values): Promise<InferResult<Q>> {
        const parameters = slots.map((slot) => ('path' in slot ? valueAt(values, slot.path) : slot.value));
        return (await q.query(compiled.sql, parameters)) as InferResult<Q>;
      },
    };
  };
}

function valueAt(values: object, path: readonly string[]): unknown {
  let value: unknown = values;
  for (const name of path) value = (value as Record<string, unknown>)[name];
  return value;
}

/**
 * The named columns of a group of placeholders, as the values of an insert: a placeholder
 * has no keys of its own to spread.
 */
export function columnsOf<Group, Column extends keyof Group & string>(
  group: Group,
  columns: readonly Column[],
): Pick<Group, Column> {
  return Object.fromEntries(columns.map((c) => [c, group[c]])) as Pick<Group, Column>;
}
