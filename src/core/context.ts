import type { Logger } from 'pino';
import type { TestModeConfigs } from '../channels/_kit/test-mode-configs.js';
import type { ConnectorRegistry } from '../channels/_kit/connector.js';
import type { Db } from '../db/db.js';
import type { Clock } from '../domain/clock.js';
import type { Ids } from '../domain/ids.js';
import type { SecretBox } from './secret-box.js';

/**
 * Everything a use case needs, injected: the database, the clock, id and secret
 * generation, the master-key box and the connectors. Tests build one with a manual
 * clock and an in-memory PGlite.
 */
export interface Core {
  db: Db;
  clock: Clock;
  ids: Ids;
  box: SecretBox;
  connectors: ConnectorRegistry;
  log: Logger;
  /** Base URL the gateway is reachable at, for payer-facing links and upstream callbacks. */
  publicUrl: string;
  /**
   * Test-mode default channel configs (simulators' default merchants), filled by whoever
   * mounts the simulators; `connectors` reads them. Absent in a Core built without them.
   */
  testModeConfigs?: TestModeConfigs;
}
