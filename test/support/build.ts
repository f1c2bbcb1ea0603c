import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Held while one process builds: test files run in parallel forks, and two builds writing dist/ at once could hand a gateway a half-written module. Ignored by git (`.juhe-*`). */
const LOCK = `${ROOT}.juhe-build-lock`;
/** A lock older than this was left by a killed run. */
const STALE_MS = 5 * 60_000;

let built: Promise<void> | undefined;

/**
 * `npm run build` once per process, before a test or bench runs the compiled `juhe`: what
 * ships is what they prove, and never a dist/ older than the sources. The build is
 * incremental, so an up-to-date tree costs about a second.
 */
export function ensureBuilt(): Promise<void> {
  built ??= withLock(() => run('npm', ['run', '--silent', 'build'], { cwd: ROOT }).then(() => undefined));
  return built;
}

let consoleBuilt: Promise<void> | undefined;

/** Only the console's bundle (web/dist), for suites that serve it from the sources; skipped when up to date. */
export function ensureConsoleBuilt(): Promise<void> {
  consoleBuilt ??= withLock(() =>
    run('node', ['scripts/build-console.mjs'], { cwd: ROOT }).then(() => undefined),
  );
  return consoleBuilt;
}

async function withLock(fn: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockAge() > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function lockAge(): number {
  try {
    return Date.now() - statSync(LOCK).mtimeMs;
  } catch {
    return 0;
  }
}
