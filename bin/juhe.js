#!/usr/bin/env node
// The `juhe` command: runs the compiled CLI in dist/ with plain node (tsx is for development
// and tests only). `npm start` builds dist/ first; elsewhere run `npm run build` once.
// `npm start` also passes node --max-semi-space-size=4: V8 grows its young generation to
// 16 MB semispaces while the server starts and keeps them until its memory reducer runs;
// 4 MB ones keep an idle gateway ~20 MB smaller at no measured throughput cost. A process
// manager should run `node --max-semi-space-size=4 bin/juhe.js start` the same way.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('juhe: dist/ is not built yet: run `npm run build` (or `npm start`) first\n');
  process.exit(1);
}
await import(main.href);
