// A worker thread does not inherit tsx's loader from `tsx bench/run.ts`: register it here,
// then load the TypeScript entry named in workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
