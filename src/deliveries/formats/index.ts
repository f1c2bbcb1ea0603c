import type { FormatName, NotifyFormat } from '../format.js';
import { nativeFormat } from './native.js';

/**
 * The notification formats by name: the gateway's own (native) and those the process
 * installs where it is wired (http/server.ts installs the dialects' formats, each owned by
 * its dialect in dialects/<name>/notification.ts), so notify never imports a dialect.
 * An explicit map, no reflection; a format missing from it is never targeted.
 */
const installed = new Map<string, NotifyFormat>([[nativeFormat.name, nativeFormat]]);

const KNOWN: readonly FormatName[] = ['native', 'maxpay', 'paymax', 'store', 'unified'];

/** Makes `list` the formats of this process beside native (the wiring calls it once at start). */
export function installFormats(list: readonly NotifyFormat[]): void {
  for (const format of list) installed.set(format.name, format);
}

/**
 * The format named `name`; undefined for a name that is no format. A format's name whose
 * format the process never installed is a wiring mistake, and says so rather than
 * silently dropping its notifications.
 */
export function findFormat(name: string): NotifyFormat | undefined {
  const format = installed.get(name);
  if (!format && (KNOWN as readonly string[]).includes(name)) {
    throw new Error(`notification format ${name} is not installed (notify/formats installFormats)`);
  }
  return format;
}

/** Formats a merchant can register an endpoint for; store and unified are per-order URLs. */
export const ENDPOINT_FORMATS = ['native', 'maxpay', 'paymax'] as const;
export type EndpointFormat = (typeof ENDPOINT_FORMATS)[number];
