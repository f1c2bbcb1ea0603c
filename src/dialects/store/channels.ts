import { channelConfigOf } from '../../core/apps/credential-cache.js';
import type { StoreWithKey } from '../../core/apps/stores.js';
import type { Core } from '../../core/context.js';
import { type PayTagAlias, findPayTagAlias, listPayTagAliases } from '../../core/stores/pay-tag-aliases.js';
import type { Method, Provider } from '../../domain/channels.js';

/**
 * The pay tags (`pmt_tag`) of the `store` dialect. Names differ by environment, as on the
 * real platform: a test store pays with `AlipayCS` / `WeixinBERL`, a live store with
 * `Alipay` / `Weixin`; `Cash` and `Diy` (a merchant-named tender, `pmt_name` required)
 * exist in both. Tags are case-sensitive ("注意大小写"). `paylist` is the source of truth
 * for what a store may use. `Baifubao` (Baidu Wallet), which the document also shows, is
 * not offered: no provider of ours moves its money, so payorder answers it with 8007.
 *
 * `pmt_type` is what the document's paylist lists: 0 cash, 2 payer scans the merchant's QR
 * (主扫), 3 merchant scans the payer's code (被扫), 4 in-app JS payment (jsapi).
 */
export interface PayTag {
  tag: string;
  provider: Provider;
  /** null: both modes. */
  livemode: boolean | null;
  name: string;
  internalName: string;
  types: readonly number[];
  icon: string;
  ticketIcon: string;
  ticketName: string;
}

const ONLINE_TYPES = [2, 3, 4] as const;

export const PAY_TAGS: readonly PayTag[] = [
  {
    tag: 'AlipayCS',
    provider: 'alipay',
    livemode: false,
    name: '支付宝',
    internalName: 'AlipayCS',
    types: ONLINE_TYPES,
    icon: '/Public/images/Alipay.jpg',
    ticketIcon: '/Public/images/ticket/Alipay.png',
    ticketName: '支付宝签购单',
  },
  {
    tag: 'WeixinBERL',
    provider: 'wechatpay',
    livemode: false,
    name: '微信支付',
    internalName: 'WeixinBERL',
    types: ONLINE_TYPES,
    icon: '/Public/images/Weixin.jpg',
    ticketIcon: '/Public/images/ticket/Weixin.png',
    ticketName: '微信支付签购单',
  },
  {
    tag: 'Alipay',
    provider: 'alipay',
    livemode: true,
    name: '支付宝',
    internalName: 'Alipay',
    types: ONLINE_TYPES,
    icon: '/Public/images/Alipay.jpg',
    ticketIcon: '/Public/images/ticket/Alipay.png',
    ticketName: '支付宝签购单',
  },
  {
    tag: 'Weixin',
    provider: 'wechatpay',
    livemode: true,
    name: '微信支付',
    internalName: 'Weixin',
    types: ONLINE_TYPES,
    icon: '/Public/images/Weixin.jpg',
    ticketIcon: '/Public/images/ticket/Weixin.png',
    ticketName: '微信支付签购单',
  },
  {
    tag: 'Cash',
    provider: 'cash',
    livemode: null,
    name: '现金',
    internalName: 'Cash',
    types: [0],
    icon: '/Public/images/Cash.png',
    ticketIcon: '/Public/images/ticket/Cash.png',
    ticketName: '现金签购单',
  },
  {
    tag: 'Diy',
    provider: 'diy',
    livemode: null,
    name: '自定义',
    internalName: 'Diy',
    types: [0],
    icon: '/Public/images/Diy.png',
    ticketIcon: '/Public/images/ticket/Diy.png',
    ticketName: '自定义签购单',
  },
];

export const isOffline = (tag: PayTag) => tag.provider === 'cash' || tag.provider === 'diy';

/** The tag a store of this mode knows by this exact name. */
export function findPayTag(name: string, livemode: boolean): PayTag | undefined {
  return PAY_TAGS.find((t) => t.tag === name && (t.livemode === null || t.livemode === livemode));
}

/** The tag a charge was made with, for orders whose tag was not recorded (not created here). */
export function tagOfProvider(provider: Provider, livemode: boolean): PayTag | undefined {
  return PAY_TAGS.find((t) => t.provider === provider && (t.livemode === null || t.livemode === livemode));
}

/**
 * The tag a store knows by this exact name: a built-in one, or one of the store's own
 * aliases (a bank's tag such as `AlipayZL`, kept so its clients work unchanged).
 */
export async function resolvePayTag(
  core: Core,
  store: StoreWithKey,
  name: string,
): Promise<PayTag | undefined> {
  const builtIn = findPayTag(name, store.livemode);
  if (builtIn) return builtIn;
  const alias = await findPayTagAlias(core.db, store.id, name);
  return alias && aliasPayTag(alias, store.livemode);
}

/** An alias pays exactly as its provider's built-in tag of the store's mode, under its own name. */
function aliasPayTag(alias: PayTagAlias, livemode: boolean): PayTag {
  const base = tagOfProvider(alias.provider, livemode)!;
  return { ...base, tag: alias.tag, internalName: alias.tag, name: alias.name ?? base.name, livemode };
}

/** The names paylist must never let an alias take (any mode, any case). */
export const BUILT_IN_TAG_NAMES: readonly string[] = [...PAY_TAGS.map((t) => t.tag), 'Baifubao'];

/**
 * Whether the store's app can take payments with this tag now. Cash and Diy need no
 * channel. A test store uses the sandbox unless the app disabled the provider; a live
 * store needs an enabled channel config (createCharge would refuse it anyway).
 */
export async function isTagAvailable(core: Core, store: StoreWithKey, tag: PayTag): Promise<boolean> {
  if (isOffline(tag)) return true;
  const config = await channelConfigOf(core, store.appId, store.livemode, tag.provider);
  return store.livemode ? config?.enabled === true : config?.enabled !== false;
}

export async function availableTags(core: Core, store: StoreWithKey): Promise<PayTag[]> {
  const tags = PAY_TAGS.filter((t) => t.livemode === null || t.livemode === store.livemode);
  // The store's aliases follow the built-in tags, so a client picking the first match keeps its old choice.
  for (const alias of await listPayTagAliases(core.db, store.id))
    tags.push(aliasPayTag(alias, store.livemode));
  const available: PayTag[] = [];
  for (const tag of tags) if (await isTagAvailable(core, store, tag)) available.push(tag);
  return available;
}

/**
 * paylist's `pmt_type` filter ("2,3" or 0). The document's own worked request sends
 * `{"pmt_type":0}` and its answer lists every tag, so 0 (or nothing) means all; otherwise
 * online tags must support one of the asked types. Cash and Diy are always listed: the
 * document's answer carries Cash next to the scanning tags, and a till needs it.
 */
export function matchesTypes(tag: PayTag, wanted: readonly number[]): boolean {
  if (wanted.length === 0 || wanted.includes(0) || isOffline(tag)) return true;
  return tag.types.some((t) => wanted.includes(t));
}

/** The document's paylist item. */
export function payTagView(tag: PayTag): Record<string, string> {
  return {
    pmt_name: tag.name,
    pmt_internal_name: tag.internalName,
    pmt_type: tag.types.join(','),
    pmt_icon: tag.icon,
    pmt_ticket_icon: tag.ticketIcon,
    pmt_tag: tag.tag,
    pmt_currency: 'CNY',
    // Our refunds may be partial and many, up to the amount paid.
    pmt_split_refund: '1',
    ticket_name: tag.ticketName,
  };
}

/** How the payer is reached, from the payorder fields present (document 4.4). */
export type Scenario = 'offline' | 'barcode' | 'jsapi' | 'jump' | 'qr';

/**
 * The method a scenario pays with. A jump_url order is a payment link: for Alipay the
 * mobile-web cashier (trade.wap.pay), which opens in the Alipay app and needs no buyer id
 * up front; for WeChat an in-app JSAPI payment, run by the hosted pay page.
 */
export function methodOf(scenario: Scenario, provider: Provider): Method {
  switch (scenario) {
    case 'offline':
      return 'offline';
    case 'barcode':
      return 'barcode';
    case 'jsapi':
      return 'jsapi';
    case 'jump':
      return provider === 'alipay' ? 'wap' : 'jsapi';
    case 'qr':
      return 'qr';
  }
}
