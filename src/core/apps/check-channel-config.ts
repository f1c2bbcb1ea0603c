import { X509Certificate } from 'node:crypto';
import * as configs from '../../db/channel-config-admin.js';
import type { Queryable } from '../../db/db.js';
import {
  CHANNEL_CONFIG_FIELDS,
  channelConfigErrors,
  normalizedSettings,
} from '../../domain/channel-config-fields.js';
import type { Provider } from '../../domain/channels.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { standsForSimulator } from './channel-configs.js';
import { readPkcs12 } from './pkcs12.js';
import { type ChannelConfigRow, saveChannelConfig } from './save-channel-config.js';

export interface ChannelConfigInput {
  appId: string;
  livemode: boolean;
  provider: Provider;
  enabled?: boolean;
  settings?: Record<string, unknown>;
  secrets?: Record<string, string>;
  /** A .p12/.pfx (base64) whose key and certificate fill the provider's key fields. */
  pkcs12?: { data: string; password: string };
}

/**
 * Saves a config the way the console and API clients do: a PKCS#12 is opened into PEM
 * here (the key never travels back), then every field is checked against the provider's
 * field list and all problems are refused at once, each naming its field, before
 * anything is written. A `{"simulator": true}` stand-in has no fields to check.
 */
export async function saveCheckedChannelConfig(
  q: Queryable,
  core: Core,
  input: ChannelConfigInput,
): Promise<{ row: ChannelConfigRow; created: boolean; secretsChanged: string[] }> {
  const existing = await configs.lockChannelConfig(q, input.appId, input.livemode, input.provider);
  const settings = { ...(input.settings ?? (existing?.settings as Record<string, unknown>) ?? {}) };
  const secrets = { ...input.secrets };
  if (input.pkcs12) fillFromPkcs12(input.provider, input.pkcs12, settings, secrets);
  if (!standsForSimulator(settings)) {
    const stored = existing?.secrets_enc
      ? Object.keys(core.box.openJson<Record<string, string>>(existing.secrets_enc))
      : [];
    const errors = channelConfigErrors({
      provider: input.provider,
      enabled: input.enabled ?? existing?.enabled ?? true,
      settings,
      secrets,
      storedSecrets: stored,
    });
    if (errors.length > 0) {
      throw new JuheError('invalid_parameter', errors[0]!.message, errors[0]!.param, { errors });
    }
  }
  const saved = await saveChannelConfig(q, core, {
    appId: input.appId,
    livemode: input.livemode,
    provider: input.provider,
    enabled: input.enabled,
    settings: input.settings || input.pkcs12 ? normalizedSettings(input.provider, settings) : undefined,
    secrets,
  });
  return { ...saved, secretsChanged: Object.keys(secrets).sort() };
}

function fillFromPkcs12(
  provider: Provider,
  pkcs12: { data: string; password: string },
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
): void {
  const fields = CHANNEL_CONFIG_FIELDS[provider];
  const keyField = fields.find((f) => f.fromPkcs12 === 'key');
  if (!keyField) {
    throw new JuheError('invalid_parameter', `${provider} takes no PKCS#12 file`, 'pkcs12.data');
  }
  const opened = readPkcs12(pkcs12.data, pkcs12.password, 'pkcs12.data');
  secrets[keyField.name] = opened.privateKeyPem;
  const certField = fields.find((f) => f.fromPkcs12 === 'certificate');
  if (certField && opened.certificatePem) secrets[certField.name] = opened.certificatePem;
  // WeChat Pay's apiclient_cert.p12 certificate is the one whose serial signs requests.
  if (provider === 'wechatpay' && opened.certificatePem && !settings.serial_no) {
    settings.serial_no = new X509Certificate(opened.certificatePem).serialNumber.toUpperCase();
  }
}
