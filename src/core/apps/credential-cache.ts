import { tokenHash } from '../auth/tokens.js';
import type { Core } from '../context.js';
import { TtlCache } from '../ttl-cache.js';
import {
  type Credential,
  type CredentialKind,
  findCredentialByPublicId,
  findCredentialBySecret,
  getAppCredential,
} from './credentials.js';
import { type StoreWithKey, findStoreByOpenId } from './stores.js';
import type { ChannelConfig } from '../../channels/_kit/connector.js';
import type { Provider } from '../../domain/channels.js';
import { findChannelConfig } from './channel-configs.js';

/**
 * The dialects' per-request authentication lookups (maxpay app id, paymax secret key,
 * unified domainCode, store open_id), remembered for a few seconds per node: each is a
 * database read plus an AES-GCM open, on every merchant call. Only hits are remembered, so
 * a new credential works at once and probing unknown ids fills nothing; rotating an app's
 * keys forgets this node's entries at once (other nodes within the TTL, like the admin
 * API's identity cache).
 */
type Cached = Credential | StoreWithKey | { channelConfig: ChannelConfig | null; appId: string };
const caches = new WeakMap<Core, TtlCache<Cached>>();

function cacheOf(core: Core): TtlCache<Cached> {
  let cache = caches.get(core);
  if (!cache) caches.set(core, (cache = new TtlCache<Cached>()));
  return cache;
}

async function remembered<T extends Cached>(
  core: Core,
  key: string,
  load: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const cache = cacheOf(core);
  const now = Date.now();
  const hit = cache.get(key, now);
  if (hit) return hit as T;
  const found = await load();
  if (found) cache.set(key, found, now);
  return found;
}

export function credentialByPublicId<K extends CredentialKind>(
  core: Core,
  kind: K,
  publicId: string,
): Promise<Credential<K> | undefined> {
  return remembered(core, `public:${kind}:${publicId}`, () =>
    findCredentialByPublicId(core.db, core.box, kind, publicId),
  );
}

export function credentialBySecret<K extends CredentialKind>(
  core: Core,
  kind: K,
  secret: string,
): Promise<Credential<K> | undefined> {
  return remembered(core, `secret:${kind}:${tokenHash(secret)}`, () =>
    findCredentialBySecret(core.db, core.box, kind, secret),
  );
}

/** The app's current credential of a kind and mode (the Paymax platform key that signs every answer). */
export function appCredentialOf<K extends CredentialKind>(
  core: Core,
  appId: string,
  kind: K,
  livemode: boolean,
): Promise<Credential<K> | undefined> {
  return remembered(core, `app:${appId}:${kind}:${livemode}`, () =>
    getAppCredential(core.db, core.box, appId, kind, livemode),
  );
}

export function storeByOpenId(core: Core, openId: string): Promise<StoreWithKey | undefined> {
  return remembered(core, `store:${openId}`, () => findStoreByOpenId(core.db, core.box, openId));
}

/**
 * The app's channel config for a provider and mode, as stored (or null), remembered like
 * the rest (absence too: test mode without configs is the common case). Changing a config
 * through the admin API forgets this node's entries at once.
 */
export async function channelConfigOf(
  core: Core,
  appId: string,
  livemode: boolean,
  provider: Provider,
): Promise<ChannelConfig | null> {
  const key = `channel:${appId}:${livemode}:${provider}`;
  const cache = cacheOf(core);
  const now = Date.now();
  const hit = cache.get(key, now) as { channelConfig: ChannelConfig | null } | undefined;
  if (hit) return hit.channelConfig;
  const config = (await findChannelConfig(core.db, core.box, appId, livemode, provider)) ?? null;
  cache.set(key, { channelConfig: config, appId }, now);
  return config;
}

/** Forgets every remembered channel config on this node (after one was created, changed or deleted). */
export function forgetChannelConfigs(core: Core): void {
  cacheOf(core).evict((value) => 'channelConfig' in value);
}

/** Forgets the app's remembered credentials on this node (after a rotation or revocation). */
export function forgetAppCredentials(core: Core, appId: string): void {
  cacheOf(core).evict((value) => value.appId === appId);
}
