import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The services of the multi-node proof test, as an operator runs them from Debian's packages:
 * a PostgreSQL cluster of the test's own (so restarting it disturbs no other suite), PgBouncer
 * in transaction mode and nginx, each configured from the files shipped in deploy/.
 * PostgreSQL and PgBouncer refuse to run as root: as root, they run as `postgres`.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PG_BIN = '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

function asPostgres(command: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/**
 * Output is not captured: the postmaster `pg_ctl start` leaves behind would inherit the pipes
 * and keep them open, and the call would wait for their end forever. The logs are in files.
 */
function run(command: string, args: string[]): void {
  const [cmd, argv] = asPostgres(command, args);
  execFileSync(cmd, argv, { stdio: 'ignore', timeout: 60_000 });
}

/** Fails with the install line instead of a cryptic ENOENT (.ci/run installs them). */
export function requireBinaries(): void {
  for (const [binary, pkg] of [
    [`${PG_BIN}/initdb`, 'postgresql'],
    ['/usr/sbin/pgbouncer', 'pgbouncer'],
    ['/usr/sbin/nginx', 'nginx-light'],
  ] as const) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install ${pkg}`);
  }
}

/** A directory the postgres user may write (the test's temporary directory belongs to root). */
function ownedDir(path: string): string {
  mkdirSync(path, { recursive: true });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(path, uid, gid);
  }
  chmodSync(path, 0o755);
  return path;
}

export class OwnPostgres {
  readonly dir: string;
  constructor(
    base: string,
    readonly port: number,
  ) {
    this.dir = join(ownedDir(base), 'data');
  }

  start(): void {
    if (!existsSync(join(this.dir, 'PG_VERSION'))) {
      run(`${PG_BIN}/initdb`, ['-D', this.dir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    }
    run(`${PG_BIN}/pg_ctl`, [
      '-D',
      this.dir,
      '-w',
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c max_connections=200`,
      'start',
    ]);
  }

  /** A fast restart: every connection is cut (57P01), as an operator's restart does. */
  restart(): void {
    run(`${PG_BIN}/pg_ctl`, ['-D', this.dir, '-w', '-m', 'fast', 'restart']);
  }

  stop(): void {
    try {
      run(`${PG_BIN}/pg_ctl`, ['-D', this.dir, '-w', '-m', 'immediate', 'stop']);
    } catch {
      // not running
    }
  }

  createDatabase(name: string): void {
    run(`${PG_BIN}/psql`, [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-U',
      'postgres',
      '-qc',
      `CREATE DATABASE ${name}`,
    ]);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/juhe`;
  }
}

/** deploy/pgbouncer.ini with this test's ports and paths. */
export function startPgbouncer(base: string, port: number, postgresPort: number): ChildProcess {
  const dir = ownedDir(base);
  const config = readFileSync(join(ROOT, 'deploy/pgbouncer.ini'), 'utf8')
    .replace('port=5432', `port=${postgresPort}`)
    .replace('listen_port = 6432', `listen_port = ${port}`)
    .replace('logfile = pgbouncer.log', `logfile = ${join(dir, 'pgbouncer.log')}`)
    .replace('pidfile = pgbouncer.pid', `pidfile = ${join(dir, 'pgbouncer.pid')}`);
  writeFileSync(join(dir, 'pgbouncer.ini'), config);
  chmodSync(join(dir, 'pgbouncer.ini'), 0o644);
  const [cmd, argv] = asPostgres('/usr/sbin/pgbouncer', [join(dir, 'pgbouncer.ini')]);
  return spawn(cmd, argv, { stdio: 'ignore' });
}

/** deploy/nginx.conf with this test's ports, in a prefix directory of its own. */
export function startNginx(base: string, port: number, nodePorts: number[]): ChildProcess {
  mkdirSync(join(base, 'tmp'), { recursive: true });
  let config = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8').replace(
    'listen 127.0.0.1:8080;',
    `listen 127.0.0.1:${port};`,
  );
  const servers = [...config.matchAll(/server 127\.0\.0\.1:(300\d)/g)];
  if (servers.length !== nodePorts.length) throw new Error('deploy/nginx.conf names another number of nodes');
  servers.forEach((match, i) => (config = config.replace(match[0], `server 127.0.0.1:${nodePorts[i]}`)));
  writeFileSync(join(base, 'nginx.conf'), config);
  return spawn('/usr/sbin/nginx', ['-p', base, '-c', join(base, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
}

export async function waitForPort(url: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer`);
}
