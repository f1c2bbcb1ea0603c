import type { Charge } from '../domain/charge.js';
import type { Provider } from '../domain/channels.js';
import { JuheError } from '../domain/errors.js';
import type { Connector, ConnectorContext } from './_kit/connector.js';
import type { TestModeConfigs } from './_kit/test-mode-configs.js';
import type { ConnectorRegistry } from './registry.js';

const CALLS = ['pay', 'query', 'resume', 'refund', 'queryRefund', 'close'] as const;

/**
 * The composition root's wiring of test-mode defaults: a test-mode call to a provider's
 * own connector (named after it) that comes with no config (the app configured none, or `{"simulator": true}`) gets the provider's
 * default test config (a simulator's base URL and default merchant), so a connector
 * always works from an ordinary config. `standIn` answers where no default exists: only
 * test support registers one (core-only suites, with no simulator mounted); without it
 * such a call is `channel_not_available`.
 */
export function withTestModeConfigs(
  registry: ConnectorRegistry,
  configs: TestModeConfigs,
  options: { standIn?: Connector } = {},
): ConnectorRegistry {
  const wrapped = new Map<Connector, Connector>();
  return {
    resolve(provider, livemode) {
      const connector = registry.resolve(provider, livemode);
      // A suite's scripted fake (named otherwise) or an in-process tender answers as it is.
      const upstream = connector.name === provider && !connector.inProcess;
      if (livemode || !upstream) return connector;
      let test = wrapped.get(connector);
      if (!test) {
        test = withDefaults(provider, connector, configs, options.standIn);
        wrapped.set(connector, test);
      }
      return test;
    },
  };
}

function withDefaults(
  provider: Provider,
  connector: Connector,
  configs: TestModeConfigs,
  standIn: Connector | undefined,
): Connector {
  const test: Connector = Object.create(connector) as Connector;
  for (const name of CALLS) {
    const call = connector[name] as ((ctx: ConnectorContext) => Promise<unknown>) | undefined;
    if (!call) continue;
    const replacement = async (ctx: ConnectorContext) => {
      if (ctx.config) return call.call(connector, ctx);
      const config = await configs.configFor(provider);
      if (config) return call.call(connector, { ...ctx, config });
      const fallback = standIn?.[name] as ((ctx: ConnectorContext) => Promise<unknown>) | undefined;
      if (fallback) return fallback.call(standIn, ctx);
      throw new JuheError(
        'channel_not_available',
        `${provider} has no test-mode channel config and no simulator is mounted`,
        'channel',
      );
    };
    Object.defineProperty(test, name, { value: replacement, enumerable: true });
  }
  const validate = connector.validate;
  if (validate) {
    // With no simulator mounted, the stand-in plays the provider (test support only) and
    // pays what the real provider would refuse: its rules, not the provider's, apply.
    const checked = (charge: Charge) =>
      standIn && !configs.provides(provider) ? standIn.validate?.(charge) : validate.call(connector, charge);
    Object.defineProperty(test, 'validate', { value: checked, enumerable: true });
  }
  return test;
}
