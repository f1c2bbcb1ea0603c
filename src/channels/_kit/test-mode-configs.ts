import type { Provider } from '../../domain/channels.js';
import type { ChannelConfig } from './connector.js';

import { DEFAULT_TEST_CONFIG_ID } from '../../domain/channels.js';

export { DEFAULT_TEST_CONFIG_ID };

/**
 * What a provider's sandbox portal hands a developer: the settings (base URL, ids) and
 * secrets (keys) of a channel config, in the config's own vocabulary.
 */
export interface SandboxCredentials {
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
}

/**
 * The test-mode channel configs a gateway uses for an app that configured none (or only
 * `{"simulator": true}`): one source per provider, usually a mounted simulator's default
 * merchant. Owned by one Core (never process-global), filled by the composition root.
 */
export interface TestModeConfigs {
  /** The provider's default test config, or null when nothing provides one. */
  configFor(provider: Provider): Promise<ChannelConfig | null>;
  /** Whether something (a mounted simulator) provides the provider's default. */
  provides(provider: Provider): boolean;
  /** The default when its source answers at once (a simulator whose keys are loaded), else null. */
  peek(provider: Provider): ChannelConfig | null;
  /** Installs the provider's source; the returned function withdraws it (unless replaced since). */
  provide(provider: Provider, source: () => SandboxCredentials | Promise<SandboxCredentials>): () => void;
  /** Settings merged over every default's own (e.g. a suite's shorter `timeout_ms`). */
  override(provider: Provider, settings: Record<string, unknown>): void;
}

export function testModeConfigs(): TestModeConfigs {
  const sources = new Map<Provider, () => SandboxCredentials | Promise<SandboxCredentials>>();
  const overrides = new Map<Provider, Record<string, unknown>>();
  const config = (provider: Provider, { settings, secrets }: SandboxCredentials): ChannelConfig => ({
    id: DEFAULT_TEST_CONFIG_ID,
    appId: '',
    livemode: false,
    provider,
    enabled: true,
    settings: { ...settings, ...overrides.get(provider) },
    secrets,
  });
  return {
    async configFor(provider) {
      const source = sources.get(provider);
      return source ? config(provider, await source()) : null;
    },
    provides(provider) {
      return sources.has(provider);
    },
    peek(provider) {
      const answer = sources.get(provider)?.();
      return answer && !(answer instanceof Promise) ? config(provider, answer) : null;
    },
    provide(provider, source) {
      sources.set(provider, source);
      return () => {
        if (sources.get(provider) === source) sources.delete(provider);
      };
    },
    override(provider, settings) {
      overrides.set(provider, { ...overrides.get(provider), ...settings });
    },
  };
}
