import { claimRequestKey, pruneRequestKeys, releaseRequestKey } from '../../db/signed-request-keys.js';
import type { Core } from '../context.js';
import { startPeriodic } from '../periodic.js';

/**
 * Replay refusal for signed merchant requests, shared by every node through the database:
 * a dialect names what identifies a request (its nonce, or the hash of its signature) and
 * how long a copy of it would still be accepted; the first claim wins, any later one within
 * that time is a replay. Example: Paymax's July-2016 scheme claims `nonce:<nonce>` in scope
 * `paymax:<app>:<mode>` until its timestamp + 5 minutes.
 */
export async function claimSignedRequest(
  core: Core,
  scope: string,
  key: string,
  acceptableUntil: Date,
): Promise<boolean> {
  return claimRequestKey(core.db, scope, key, core.clock.now(), acceptableUntil);
}

/** Forgets a claim whose request was refused, so that sending it again is not a replay. */
export async function releaseSignedRequest(core: Core, scope: string, key: string): Promise<void> {
  await releaseRequestKey(core.db, scope, key);
}

/**
 * Deletes expired claims; returns how many went. One minute of requests at most (the sweeper's
 * interval), so one statement suffices.
 */
export async function pruneSignedRequests(core: Core): Promise<number> {
  return pruneRequestKeys(core.db, core.clock.now());
}

/** Runs pruneSignedRequests every `intervalMs` until stopped; returns the stop function. */
export function startReplaySweeper(core: Core, intervalMs = 60_000): () => Promise<void> {
  return startPeriodic(core, 'replay key sweeper', intervalMs, () => pruneSignedRequests(core));
}
