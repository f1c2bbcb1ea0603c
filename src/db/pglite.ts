import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { Db } from './db.js';

/**
 * Embedded PostgreSQL (WASM). One connection: PGlite serialises transactions itself,
 * which gives the same isolation our row locks give on a real server.
 * `dataDir` undefined means in-memory (tests); `options` are PGlite's own (memory settings).
 */
export async function openPglite(dataDir?: string, options?: PGliteOptions): Promise<Db> {
  const pglite = await PGlite.create(dataDir, options);
  return {
    engine: 'pglite',
    query: async (sql, params) => (await pglite.query<any>(sql, params as unknown[])).rows,
    tx: (fn) =>
      pglite.transaction(async (tx) =>
        fn({ query: async (sql, params) => (await tx.query<any>(sql, params as unknown[])).rows }),
      ),
    async exec(sql) {
      await pglite.exec(sql);
    },
    async close() {
      await pglite.close();
    },
  };
}
