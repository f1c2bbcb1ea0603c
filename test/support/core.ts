import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { ConnectorRegistry } from '../../src/channels/registry.js';
import { connectorRegistry } from '../../src/channels/registry.js';
import { testModeConfigs } from '../../src/channels/_kit/test-mode-configs.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import { withTestModeConfigs } from '../../src/channels/test-mode.js';
import type { Core } from '../../src/core/context.js';
import { secretBox } from '../../src/core/secret-box.js';
import { manualClock } from '../../src/domain/clock.js';
import { randomIds } from '../../src/domain/ids.js';
import { type Engine, freshDb } from './db.js';

export type TestCore = Core & {
  clock: ReturnType<typeof manualClock>;
  drop(): Promise<void>;
  dbUrl: string | null;
};

/** A Core on a fresh database with a hand-moved clock: what use-case suites build on. */
export async function testCore(
  engine: Engine,
  options: { connectors?: ConnectorRegistry; start?: string } = {},
): Promise<TestCore> {
  const { db, url, drop } = await freshDb(engine);
  // A server built on this core fills the defaults with its simulators; a suite without
  // one (core only) gets the generic stand-in, registered here and nowhere in src/.
  const defaults = testModeConfigs();
  const registry = options.connectors ?? connectorRegistry();
  return {
    db,
    dbUrl: url,
    clock: manualClock(options.start ?? '2026-03-01T08:00:00Z'),
    ids: randomIds(),
    box: secretBox(randomBytes(32)),
    connectors: withTestModeConfigs(registry, defaults, { standIn: sandboxConnector() }),
    testModeConfigs: defaults,
    log: pino({ level: process.env.JUHE_TEST_LOG ?? 'silent' }),
    publicUrl: 'http://127.0.0.1:3000',
    drop,
  };
}
