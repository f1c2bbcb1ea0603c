import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { Db } from './db.js';
import { openPglite } from './pglite.js';

const run = promisify(execFile);

/**
 * PostgreSQL settings for the embedded engine, on top of PGlite's own start parameters.
 * PGlite keeps initdb's shared_buffers of 128 MB, and its WASM heap touches most of it: about
 * 115 MB of the gateway's resident memory. The gateway process is the buffer pool's only
 * client and the OS page cache still holds the files, so 16 MB serves it (8 MB saved only
 * 6 MB more). relaxedDurability stays off: a query's writes reach the data files before it
 * returns, so an acknowledged charge survives the process crashing.
 */
const SETTINGS: PGliteOptions = {
  startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
};

/**
 * The gateway's one PGlite instance on `dataDir`, created there on first use. A new data
 * directory is initialised by a short-lived child process first: PGlite's initdb runs a
 * throwaway second PGlite instance and initdb's own WASM module, and in the gateway's process
 * that left over 450 MB resident after they closed (160 MB even from a worker thread that
 * had exited: freed, but kept by the allocator). A process gives all of it back when it exits,
 * so the gateway only ever holds one instance.
 */
export async function openEmbedded(dataDir: string): Promise<Db> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialiseInChild(dataDir);
  return openPglite(dataDir, SETTINGS);
}

/** Plain JavaScript, so it runs the same from dist/ and under tsx; PGlite is imported by URL. */
const INITDB = `
const [pglite, dataDir, startParams] = process.argv.slice(1);
const { PGlite } = await import(pglite);
const db = await PGlite.create(dataDir, { startParams: JSON.parse(startParams) });
await db.close();`;

async function initialiseInChild(dataDir: string): Promise<void> {
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const startParams = JSON.stringify(SETTINGS.startParams);
  await run(process.execPath, ['--input-type=module', '-e', INITDB, pglite, dataDir, startParams]);
}
