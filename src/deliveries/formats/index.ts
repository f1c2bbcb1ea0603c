import { dialectNotificationFormats } from '../../dialects/notification-formats.js';
import type { NotifyFormat } from '../format.js';
import { nativeFormat } from './native.js';

/**
 * The notification formats by name: the gateway's own (native) and each dialect's, owned by
 * its dialect in dialects/<name>/notification.ts. An explicit, immutable map built when the
 * module loads (no registration at start-up, no process-global state to install), so every
 * process and every test sees the same formats.
 */
const formats: ReadonlyMap<string, NotifyFormat> = new Map(
  [nativeFormat, ...dialectNotificationFormats].map((format) => [format.name, format]),
);

/** The format named `name`; undefined for a name that is no format. */
export function findFormat(name: string): NotifyFormat | undefined {
  return formats.get(name);
}

/** Formats a merchant can register an endpoint for; store and unified are per-order URLs. */
export const ENDPOINT_FORMATS = ['native', 'maxpay', 'paymax'] as const;
export type EndpointFormat = (typeof ENDPOINT_FORMATS)[number];
