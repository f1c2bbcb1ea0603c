import type { Provider } from '../../domain/channels.js';
import type {
  ChannelConfig,
  NotificationAcknowledgement,
  NotificationInput,
  NotificationRefusal,
  ParsedNotification,
} from './connector.js';

/** The notify path's config segment for the simulator's default merchant (test mode, no config). */
export { DEFAULT_TEST_CONFIG_ID as SANDBOX_CONFIG_ID } from '../../domain/channels.js';

/** One header's value (the first, when a proxy repeated it). */
export function headerOf(input: NotificationInput, name: string): string | undefined {
  const value = input.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function refusedNotification(
  acknowledgement: NotificationAcknowledgement,
  refusal: NotificationRefusal,
): ParsedNotification {
  return { acknowledgement, outcome: 'refused', refusal };
}

/**
 * The config a parser may verify with: one of `providers`' configs. Anything else (no
 * config, another provider's) is undefined.
 */
export function usableConfig(
  input: Pick<NotificationInput, 'config'>,
  providers: readonly Provider[],
): { config: ChannelConfig } | undefined {
  const { config } = input;
  if (config === 'unknown') return undefined;
  if (!providers.includes(config.provider)) return undefined;
  return { config };
}

/**
 * The merchant a parser verifies as: `merchantFor` of the URL's config when that config is
 * one of `providers`' and usable; undefined for no config, another provider's, or one whose
 * keys cannot be read (a config it cannot use is no config).
 */
export function notifiedMerchant<M>(
  input: Pick<NotificationInput, 'config'>,
  providers: readonly Provider[],
  merchantFor: (config: ChannelConfig) => M,
): M | undefined {
  const usable = usableConfig(input, providers);
  if (!usable) return undefined;
  try {
    return merchantFor(usable.config);
  } catch {
    return undefined;
  }
}

/**
 * A parser that answers in its provider's shape even when it fails unexpectedly (a
 * certificate fetch that throws, a config that does not parse): a 500 refusal, which the
 * provider retries, instead of an error the route could only answer generically.
 */
export function notificationParser(
  acknowledgement: NotificationAcknowledgement,
  parse: (input: NotificationInput) => Promise<ParsedNotification>,
): (input: NotificationInput) => Promise<ParsedNotification> {
  return async (input) => {
    try {
      return await parse(input);
    } catch (err) {
      return refusedNotification(acknowledgement, {
        status: 500,
        reason: 'internal error',
        details: { err },
      });
    }
  };
}
