import type { Compilable } from 'kysely';
import type { Queryable } from './db.js';

/** Stands for a value in a template: `slot('charge.id')` is replaced by `values.charge.id` on each run. */
export type Slot = (key: string) => never;

/**
 * A built query compiled once, for a hot path whose statement never changes, only its
 * values: kysely builds and compiles a statement in tens of microseconds (the one-statement
 * charge create, about 100 us), which per request is most of what the statement costs us.
 * `build` is called once with `slot`; each slot ("group.name") becomes a numbered
 * parameter, and `run` fills them from `values[group][name]`. The SQL text is the same on every run, so the storage
 * seam keeps it prepared.
 */
export function statementTemplate(build: (slot: Slot) => Compilable<unknown>) {
  const slots = new Map<unknown, string>();
  const slot: Slot = (key) => {
    const marker = Object.freeze({ slot: key });
    slots.set(marker, key);
    return marker as never;
  };
  const compiled = build(slot).compile();
  const keys = compiled.parameters.map((parameter) => {
    const key = slots.get(parameter);
    if (key === undefined) throw new Error('a statement template holds a value that is not a slot');
    const [group, name] = key.split('.') as [string, string];
    return { group, name };
  });
  return {
    sql: compiled.sql,
    run: <Row = Record<string, unknown>>(q: Queryable, values: Record<string, Record<string, unknown>>) =>
      q.query<Row>(
        compiled.sql,
        keys.map((key) => values[key.group]![key.name]),
      ),
  };
}

/** Slots named `<group>.<column>` for each column, as the values of an insert. */
export function slotsOf<Column extends string>(
  slot: Slot,
  group: string,
  columns: readonly Column[],
): Record<Column, never> {
  return Object.fromEntries(columns.map((c) => [c, slot(`${group}.${c}`)])) as Record<Column, never>;
}
