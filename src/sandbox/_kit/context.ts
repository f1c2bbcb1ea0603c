import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import type { Clock } from '../../domain/clock.js';

/** Seals the private keys a simulator keeps in its tables (the mounter's master-key box). */
export interface KeyBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/**
 * Everything a simulator is given, built by whoever mounts it (the gateway in test mode,
 * or `juhe sandbox` alone): its own tables behind the storage seam, a clock, a logger, a
 * box for the keys it stores, and the public base URL it is reached at (the simulators
 * live under `${publicUrl}/sandbox/<provider>`). A gateway's Core has this shape, so the
 * gateway mounts its simulators on its own database; nothing here is the gateway's.
 */
export interface SandboxContext {
  db: Db;
  clock: Clock;
  log: Logger;
  box: KeyBox;
  /** Read at each use: a server learns its address only once it listens. */
  readonly publicUrl: string;
}
