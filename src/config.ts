import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseMasterKey } from './core/secret-box.js';
import { POSTGRES_DEFAULTS, type PostgresOptions } from './db/postgres.js';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './http/connection-limits.js';
import type { OpsAccess } from './http/ops-access.js';

/** Every environment variable Juhe reads, in one place (the README's configuration table). */
export interface Config {
  home: string;
  databaseUrl: string | null;
  /** Pool size and timeouts for DATABASE_URL (JUHE_DB_*): a stuck database answers 503, not a hang. */
  database: Required<PostgresOptions>;
  /** Request timeouts and the per-address connection cap (slow-body clients are cut off). */
  limits: ConnectionLimits;
  port: number;
  host: string;
  publicUrl: string;
  production: boolean;
  masterKey: Buffer;
  logLevel: string;
  /** Background workers (expiry, polling, notification delivery) on this node. */
  workers: boolean;
  /** Allow notification targets on private/loopback addresses (SSRF guard). */
  allowPrivateTargets: boolean;
  /** Serve the provider simulators (JUHE_SANDBOX; on by default, off in production). */
  sandbox: boolean;
  /** Seed demo data into an empty database (never in production). */
  seedDemo: boolean;
  /** Who may read /metrics and /api/docs: open outside production, JUHE_OPS_TOKEN in it. */
  ops: OpsAccess;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const home = resolve(env.JUHE_HOME ?? '.juhe');
  const production = env.NODE_ENV === 'production';
  const port = Number(env.PORT ?? 3000);
  const host = env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1');
  return {
    home,
    databaseUrl: env.DATABASE_URL || null,
    database: {
      poolSize: positiveInt(env, 'JUHE_DB_POOL_SIZE', POSTGRES_DEFAULTS.poolSize, 1),
      connectTimeoutMs: positiveInt(env, 'JUHE_DB_CONNECT_TIMEOUT_MS', POSTGRES_DEFAULTS.connectTimeoutMs),
      statementTimeoutMs: positiveInt(
        env,
        'JUHE_DB_STATEMENT_TIMEOUT_MS',
        POSTGRES_DEFAULTS.statementTimeoutMs,
      ),
      lockTimeoutMs: positiveInt(env, 'JUHE_DB_LOCK_TIMEOUT_MS', POSTGRES_DEFAULTS.lockTimeoutMs),
      idleInTransactionTimeoutMs: positiveInt(
        env,
        'JUHE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
        POSTGRES_DEFAULTS.idleInTransactionTimeoutMs,
      ),
      namedStatements: onOff(env, 'JUHE_DB_NAMED_STATEMENTS', POSTGRES_DEFAULTS.namedStatements),
    },
    limits: {
      requestTimeoutMs: positiveInt(
        env,
        'JUHE_REQUEST_TIMEOUT_MS',
        DEFAULT_CONNECTION_LIMITS.requestTimeoutMs,
        1,
      ),
      headersTimeoutMs: positiveInt(
        env,
        'JUHE_HEADERS_TIMEOUT_MS',
        DEFAULT_CONNECTION_LIMITS.headersTimeoutMs,
        1,
      ),
      maxConnectionsPerIp: positiveInt(
        env,
        'JUHE_MAX_CONNECTIONS_PER_IP',
        DEFAULT_CONNECTION_LIMITS.maxConnectionsPerIp,
        1,
      ),
    },
    port,
    host,
    publicUrl: (env.JUHE_PUBLIC_URL ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(
      /\/$/,
      '',
    ),
    production,
    masterKey: masterKey(env, home, production),
    logLevel: env.LOG_LEVEL ?? 'info',
    workers: env.JUHE_WORKERS !== 'off',
    allowPrivateTargets: env.JUHE_ALLOW_PRIVATE_TARGETS
      ? env.JUHE_ALLOW_PRIVATE_TARGETS === 'true'
      : !production,
    sandbox: onOff(env, 'JUHE_SANDBOX', !production),
    seedDemo: !production,
    ops: { open: !production, token: opsToken(env) },
  };
}

/** An on/off switch; anything else fails the start, so a typo never silently serves simulators. */
function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'true') return true;
  if (raw === 'off' || raw === 'false') return false;
  throw new Error(`${name} must be on or off, got ${JSON.stringify(raw)}`);
}

/** A guessable operator token would open the metrics to anyone: demand some length. */
function opsToken(env: NodeJS.ProcessEnv): string | null {
  const token = env.JUHE_OPS_TOKEN;
  if (!token) return null;
  if (token.length < 24) throw new Error('JUHE_OPS_TOKEN must be at least 24 characters');
  return token;
}

/** An integer setting of at least `min` (0 turns a timeout off); a typo fails the start, loudly. */
function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * JUHE_MASTER_KEY encrypts every stored secret. In production it must be given; in the
 * embedded demo it is generated once into JUHE_HOME/master.key (mode 0600).
 */
function masterKey(env: NodeJS.ProcessEnv, home: string, production: boolean): Buffer {
  if (env.JUHE_MASTER_KEY) return parseMasterKey(env.JUHE_MASTER_KEY);
  if (production) throw new Error('JUHE_MASTER_KEY is required when NODE_ENV=production');
  const file = join(home, 'master.key');
  if (existsSync(file)) return parseMasterKey(readFileSync(file, 'utf8'));
  mkdirSync(home, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600 });
  return key;
}
