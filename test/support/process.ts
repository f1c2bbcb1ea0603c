import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './build.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * How a `juhe` process runs: `compiled` is what ships (`node bin/juhe.js`, the JavaScript
 * in dist/, built first if stale); `tsx` runs the TypeScript sources, as development does.
 */
export type Runtime = 'compiled' | 'tsx';

/** node's arguments for the `juhe` command on a runtime (the subcommand follows). */
export function juheArgs(runtime: Runtime): string[] {
  return runtime === 'compiled' ? [...startOptions(), 'bin/juhe.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
}

/** node's options in package.json's start script, so a compiled gateway here runs as `npm start` does. */
function startOptions(): string[] {
  const start: string = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).scripts.start;
  const options = /^node((?: --\S+)*) bin\/juhe\.js start$/.exec(start)?.[1];
  if (options === undefined)
    throw new Error(`start script is not "node [options] bin/juhe.js start": ${start}`);
  return options.split(' ').filter(Boolean);
}

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** From spawning the process to its first 200 from /readyz. */
  readyMs: number;
}

/**
 * Runs `juhe start` as a real child process, the way an operator would, and waits until it is
 * ready. Compiled unless asked otherwise: the suites that start a gateway prove what ships.
 */
export async function startGateway(
  env: Record<string, string>,
  port: number,
  runtime: Runtime = 'compiled',
): Promise<GatewayProcess> {
  if (runtime === 'compiled') await ensureBuilt();
  let output = '';
  const started = performance.now();
  const child = spawn(process.execPath, [...juheArgs(runtime), 'start'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  // Generous: a loaded 2-core CI machine starts PGlite slowly.
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gateway exited early:\n${output}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return { child, url, output: () => output, readyMs: performance.now() - started };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`gateway did not become ready:\n${output}`);
}

export async function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
