import type { NotifyFormat } from '../deliveries/format.js';
import { maxpayFormat } from './maxpay/notification.js';
import { paymaxFormat } from './paymax/notification.js';
import { storeFormat } from './store/notification.js';
import { unifiedFormat } from './unified/notification.js';

/** Every dialect's outgoing notification format, for the process wiring to install into notify. */
export const dialectNotificationFormats: readonly NotifyFormat[] = [
  maxpayFormat,
  paymaxFormat,
  storeFormat,
  unifiedFormat,
];
