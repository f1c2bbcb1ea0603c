#!/usr/bin/env node
// The `juhe` command: runs the compiled CLI in dist/ with plain node (tsx is for development
// and tests only). `npm start` builds dist/ first; elsewhere run `npm run build` once.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('juhe: dist/ is not built yet: run `npm run build` (or `npm start`) first\n');
  process.exit(1);
}
await import(main.href);
