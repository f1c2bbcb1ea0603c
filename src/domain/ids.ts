import { randomBytes } from 'node:crypto';

/** Object id prefixes, Stripe-style: the prefix tells a support engineer what an id is. */
const ID_PREFIX = {
  merchant: 'mch',
  app: 'app',
  credential: 'key',
  store: 'sto',
  cashier: 'csh',
  terminal: 'trm',
  channelConfig: 'cc',
  charge: 'ch',
  refund: 're',
  event: 'evt',
  user: 'usr',
  session: 'ses',
  apiToken: 'tok',
  endpoint: 'we',
  delivery: 'dlv',
  audit: 'aud',
  reconciliation: 'rcn',
} as const;
export type IdKind = keyof typeof ID_PREFIX;

export interface Ids {
  /** `ch_` + 24 hex characters, as Paymax documents for charge ids. */
  next(kind: IdKind): string;
  /** A numeric system order number (store `ord_no`, unified `orderSn`): yyyyMMddHHmmss + 8 digits. */
  orderSn(now: Date): string;
  /** Random secret material (API keys, tokens), URL-safe. */
  secret(bytes?: number): string;
}

export function randomIds(random: (n: number) => Buffer = randomBytes): Ids {
  return {
    next: (kind) => `${ID_PREFIX[kind]}_${random(12).toString('hex')}`,
    orderSn: (now) => {
      const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
      const digits = (random(4).readUInt32BE(0) % 100_000_000).toString().padStart(8, '0');
      return stamp + digits;
    },
    secret: (bytes = 24) => random(bytes).toString('base64url'),
  };
}
