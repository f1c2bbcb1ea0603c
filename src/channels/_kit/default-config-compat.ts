import type { Provider } from '../../domain/channels.js';
import type { ChannelConfig } from './connector.js';
import type { TestModeConfigs } from './test-mode-configs.js';

/**
 * Transitional (issue 11), for callers outside channels/ that still pass a null config
 * meaning "the simulator's default merchant" (the notify handlers' `merchantFor(null, ...)`,
 * the payer pages' `oauthAppFor(null, ...)`): the defaults of the gateway serving
 * `publicUrl`. Connectors never use it: they are always handed a config. Remove once those
 * callers resolve the default through `core.testModeConfigs`.
 */
interface Announced {
  readonly publicUrl: string;
  testModeConfigs?: TestModeConfigs;
}
const announced = new Set<Announced>();
const trim = (url: string) => url.replace(/\/+$/, '');

/** Called by the server that mounts the simulators; the returned function withdraws. */
export function announceTestModeDefaults(core: Announced): () => void {
  announced.add(core);
  return () => announced.delete(core);
}

/** The test-mode default config of the gateway at `publicUrl` (the latest announced), or null. */
export function defaultConfigAt(provider: Provider, publicUrl: string): ChannelConfig | null {
  let found: Announced | undefined;
  for (const core of announced) if (trim(core.publicUrl) === trim(publicUrl)) found = core;
  return found?.testModeConfigs?.peek(provider) ?? null;
}
