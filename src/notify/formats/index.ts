import type { FormatName, NotifyFormat } from '../format.js';
import { maxpayFormat } from '../../dialects/maxpay/notification.js';
import { paymaxFormat } from '../../dialects/paymax/notification.js';
import { storeFormat } from '../../dialects/store/notification.js';
import { unifiedFormat } from '../../dialects/unified/notification.js';
import { nativeFormat } from './native.js';

/**
 * Every notification format by name: an explicit map, no reflection. The engine looks a
 * delivery's format up here; a format missing from the map is never targeted.
 * (Each dialect owns its format; this map still imports them. Building it where the
 * process is wired and handing it to the delivery code is the step left to do.)
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
