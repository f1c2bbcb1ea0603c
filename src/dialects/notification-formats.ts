import type { NotifyFormat } from '../deliveries/format.js';
import { maxpayFormat } from './maxpay/notification.js';
import { paymaxFormat } from './paymax/notification.js';
import { storeFormat } from './store/notification.js';
import { unifiedFormat } from './unified/notification.js';

/** Every dialect's outgoing notification format: the delivery engine's map of formats (deliveries/formats) lists them. */
export const dialectNotificationFormats: readonly NotifyFormat[] = [
  maxpayFormat,
  paymaxFormat,
  storeFormat,
  unifiedFormat,
];
