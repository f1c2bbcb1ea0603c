// The build's second half: tsc emits only JavaScript, but the running gateway also reads
// files next to its modules (src/db/migrations/*.sql, found relative to import.meta.url).
// Every file under src/ that is neither TypeScript nor documentation is copied to the same
// place under dist/, so the compiled code finds it where the sources do.
import { cpSync, statSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const skipped = /\.(ts|md)$/;
cpSync(fileURLToPath(new URL('src', root)), fileURLToPath(new URL('dist', root)), {
  recursive: true,
  filter: (source) => statSync(source).isDirectory() || !skipped.test(source),
});
