import type { SandboxContext } from './context.js';

/** A simulator's table of its key set (one row, id 'default'). */
export type KeyTable = 'wxsim_keys' | 'upsim_keys' | 'ppsim_keys' | 'lklsim_keys';

const KEY_ROW = 'default';

/**
 * Loads a simulator's keys, generating them with `generate` on first start. Every provider
 * keeps them alike: sealed with the master key, so they never sit in the database in
 * plaintext, and concurrent first starts agree on one set (the first insert wins and every
 * starter reads that one back).
 */
export async function loadOrCreateSealedKeys<K>(
  ctx: SandboxContext,
  table: KeyTable,
  generate: (now: Date) => K,
): Promise<K> {
  const existing = await readSealedKeys<K>(ctx, table);
  if (existing) return existing;
  const generated = generate(ctx.clock.now());
  await ctx.db.query(
    `INSERT INTO ${table} (id, sealed, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [KEY_ROW, ctx.box.seal(JSON.stringify(generated)), ctx.clock.now()],
  );
  return (await readSealedKeys<K>(ctx, table))!;
}

async function readSealedKeys<K>(ctx: SandboxContext, table: KeyTable): Promise<K | undefined> {
  const [row] = await ctx.db.query<{ sealed: string }>(`SELECT sealed FROM ${table} WHERE id = $1`, [
    KEY_ROW,
  ]);
  return row ? (JSON.parse(ctx.box.open(row.sealed)) as K) : undefined;
}
