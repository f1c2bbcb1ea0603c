// The build's third half: the merchant console (web/) bundled by Vite into web/dist, which the
// gateway serves at /console. Like tsc's incremental build it is skipped when nothing it reads
// changed since the last build (a stamp file holds the newest input time), so `npm start` and
// the tests' ensureBuilt() on an unchanged tree cost nothing here.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const web = join(root, 'web');
const stamp = join(web, 'dist', '.build-stamp');
// The console's sources, its config, the dependencies and the server types it imports.
const inputs = [
  join(web, 'src'),
  join(web, 'index.html'),
  join(web, 'vite.config.ts'),
  join(root, 'package-lock.json'),
  join(root, 'src', 'core', 'auth'),
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

const latest = Math.max(...inputs.map(newest));
const built =
  existsSync(stamp) && existsSync(join(web, 'dist', 'index.html')) ? Number(readFileSync(stamp, 'utf8')) : -1;
if (built >= latest && process.argv[2] !== '--force') process.exit(0);

execFileSync(
  process.execPath,
  [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', web, '--logLevel', 'warn'],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
writeFileSync(stamp, String(latest));
