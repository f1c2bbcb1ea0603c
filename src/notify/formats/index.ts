import type { FormatName, NotifyFormat } from '../format.js';
import { maxpayFormat } from './maxpay.js';
import { nativeFormat } from './native.js';
import { paymaxFormat } from './paymax.js';
import { storeFormat } from './store.js';
import { unifiedFormat } from './unified.js';

/**
 * Every notification format by name: an explicit map, no reflection. The engine looks a
 * delivery's format up here; a format missing from the map is never targeted.
 */
export const formats: Record<FormatName, NotifyFormat> = {
  native: nativeFormat,
  maxpay: maxpayFormat,
  paymax: paymaxFormat,
  unified: unifiedFormat,
  store: storeFormat,
};

export function findFormat(name: string): NotifyFormat | undefined {
  return Object.hasOwn(formats, name) ? formats[name as FormatName] : undefined;
}

/** Formats a merchant can register an endpoint for; store and unified are per-order URLs. */
export const ENDPOINT_FORMATS = ['native', 'maxpay', 'paymax'] as const;
export type EndpointFormat = (typeof ENDPOINT_FORMATS)[number];
