import { X509Certificate } from 'node:crypto';
import type { Provider } from './channels.js';
import { toPrivateKey, toPublicKey } from './crypto-keys.js';

/**
 * What each provider's channel config holds, field by field: the connectors' own
 * vocabulary (src/channels/<provider>/client.ts reads exactly these names). The admin API
 * checks a config against it before saving, naming the field at fault, and the console
 * renders its forms from it, so the two can never disagree.
 */
export type FieldKind =
  | 'text'
  | 'digits'
  | 'url'
  | 'integer'
  | 'boolean'
  | 'choice'
  | 'private_key'
  | 'public_key'
  | 'certificate'
  | 'certificate_or_public_key'
  | 'secret_text';

export interface ConfigField {
  name: string;
  /** settings are shown back; secrets are write-only. */
  group: 'settings' | 'secrets';
  kind: FieldKind;
  required: boolean;
  /** A text field's exact length, or a digits field's. */
  length?: number;
  /** Choices of a `choice` field. */
  choices?: readonly string[];
  /** Set from an uploaded PKCS#12: its private key or its certificate. */
  fromPkcs12?: 'key' | 'certificate';
  /**
   * Only meaningful (shown, and `required`) when another setting has this value; that
   * setting's absence is its first choice. WeChat Pay's `mch_id` belongs to the direct
   * mode, `sp_mchid` to the service-provider mode: `{setting: 'merchant_mode', equals: 'direct'}`.
   */
  when?: { setting: string; equals: string };
}

const setting = (name: string, kind: FieldKind, required = false, extra: Partial<ConfigField> = {}) => ({
  name,
  group: 'settings' as const,
  kind,
  required,
  ...extra,
});
const secret = (name: string, kind: FieldKind, required = false, extra: Partial<ConfigField> = {}) => ({
  name,
  group: 'secrets' as const,
  kind,
  required,
  ...extra,
});
const DIRECT = { setting: 'merchant_mode', equals: 'direct' };
const SERVICE_PROVIDER = { setting: 'merchant_mode', equals: 'service_provider' };
const transport = (urlName: string) => [setting(urlName, 'url'), setting('timeout_ms', 'integer')];

const unionpayFields: ConfigField[] = [
  setting('mer_id', 'digits', true, { length: 15 }),
  // Read from sign_cert when absent (the SDK's certId).
  setting('cert_id', 'digits'),
  setting('validate_cn_name', 'boolean'),
  ...transport('base_url'),
  // The file download address (txnType 76, the daily settlement file) is a host of its own.
  setting('file_url', 'url'),
  secret('sign_private_key', 'private_key', true, { fromPkcs12: 'key' }),
  secret('sign_cert', 'certificate', false, { fromPkcs12: 'certificate' }),
  secret('middle_cert', 'certificate', true),
  secret('root_cert', 'certificate', true),
];

export const CHANNEL_CONFIG_FIELDS: Record<Provider, readonly ConfigField[]> = {
  alipay: [
    setting('app_id', 'digits', true),
    ...transport('gateway_url'),
    secret('private_key', 'private_key', true, { fromPkcs12: 'key' }),
    secret('alipay_public_key', 'public_key', true),
  ],
  wechatpay: [
    // 直连 (direct: the merchant's own mch_id) or 服务商 (a service provider's sp_mchid
    // acting for its sub-merchant sub_mchid, as bank store APIs do).
    setting('merchant_mode', 'choice', false, { choices: ['direct', 'service_provider'] }),
    setting('mch_id', 'digits', true, { when: DIRECT }),
    setting('appid', 'text', true, { when: DIRECT }),
    setting('sp_mchid', 'digits', true, { when: SERVICE_PROVIDER }),
    setting('sp_appid', 'text', true, { when: SERVICE_PROVIDER }),
    setting('sub_mchid', 'digits', true, { when: SERVICE_PROVIDER }),
    // The sub-merchant's own official account or mini program: JSAPI payers' openids are under it.
    setting('sub_appid', 'text', false, { when: SERVICE_PROVIDER }),
    setting('mini_appid', 'text'),
    // The Open Platform (开放平台) mobile app's appid, which App payments are made under.
    setting('app_appid', 'text'),
    setting('serial_no', 'text', true),
    setting('platform_serial', 'text'),
    setting('v2_sign_type', 'choice', false, { choices: ['HMAC-SHA256', 'MD5'] }),
    ...transport('base_url'),
    // The official account's web authorization (JSAPI through the hosted page).
    setting('oauth_base_url', 'url'),
    setting('sns_base_url', 'url'),
    secret('private_key', 'private_key', true, { fromPkcs12: 'key' }),
    secret('api_v3_key', 'secret_text', true, { length: 32 }),
    secret('api_v2_key', 'secret_text', false, { length: 32 }),
    secret('platform_certificate', 'certificate_or_public_key', true),
    secret('app_secret', 'secret_text'),
  ],
  unionpay: unionpayFields,
  // Apple Pay goes through UnionPay's acquiring: the same merchant and certificates.
  applepay: unionpayFields,
  paypal: [
    setting('client_id', 'text', true),
    setting('webhook_id', 'text', true),
    setting('webhook_verification', 'choice', false, { choices: ['offline', 'postback'] }),
    ...transport('base_url'),
    secret('client_secret', 'secret_text', true),
  ],
  lakala: [
    setting('appid', 'text', true),
    setting('serial_no', 'text', true),
    setting('merchant_no', 'text', true),
    setting('term_no', 'text'),
    ...transport('base_url'),
    secret('private_key', 'private_key', true, { fromPkcs12: 'key' }),
    secret('platform_certificate', 'certificate', true),
  ],
  cash: [],
  diy: [],
};

export interface FieldError {
  /** `settings.app_id`, `secrets.private_key`: where the console shows the message. */
  param: string;
  message: string;
}

export interface ConfigUnderCheck {
  provider: Provider;
  enabled: boolean;
  settings: Record<string, unknown>;
  /** Only the secrets given now: stored ones were checked when they were saved. */
  secrets: Record<string, string>;
  /** Names of secrets already stored (they satisfy `required`). */
  storedSecrets: readonly string[];
}

/**
 * Every problem of a config, each naming its field. A disabled config may be incomplete
 * (saved while keys are still being obtained), but what it holds must be readable.
 */
export function channelConfigErrors(config: ConfigUnderCheck): FieldError[] {
  const errors: FieldError[] = [];
  const fields = CHANNEL_CONFIG_FIELDS[config.provider];
  const known = new Set(fields.map((f) => `${f.group}.${f.name}`));
  for (const name of Object.keys(config.settings)) {
    if (name !== 'simulator' && !known.has(`settings.${name}`)) {
      errors.push({ param: `settings.${name}`, message: `${config.provider} has no setting ${name}` });
    }
  }
  for (const name of Object.keys(config.secrets)) {
    if (!known.has(`secrets.${name}`)) {
      errors.push({ param: `secrets.${name}`, message: `${config.provider} has no secret ${name}` });
    }
  }
  for (const field of fields) {
    const param = `${field.group}.${field.name}`;
    const value = field.group === 'settings' ? config.settings[field.name] : config.secrets[field.name];
    if (value === undefined || value === '') {
      const stored = field.group === 'secrets' && config.storedSecrets.includes(field.name);
      if (field.required && config.enabled && !stored && fieldApplies(fields, field, config.settings))
        errors.push({ param, message: `${param} is required` });
      continue;
    }
    const problem = fieldProblem(field, value);
    if (problem) errors.push({ param, message: `${param} ${problem}` });
  }
  if (config.provider === 'unionpay' || config.provider === 'applepay') {
    const hasCertId = config.settings.cert_id !== undefined && config.settings.cert_id !== '';
    const hasSignCert = Boolean(config.secrets.sign_cert) || config.storedSecrets.includes('sign_cert');
    if (config.enabled && !hasCertId && !hasSignCert) {
      errors.push({
        param: 'secrets.sign_cert',
        message: 'secrets.sign_cert is required without settings.cert_id',
      });
    }
  }
  return errors;
}

/** Whether a field's `when` condition holds for these settings (an absent setting is its first choice). */
export function fieldApplies(
  fields: readonly ConfigField[],
  field: ConfigField,
  settings: Record<string, unknown>,
): boolean {
  if (!field.when) return true;
  const given = settings[field.when.setting];
  const current =
    given === undefined || given === ''
      ? fields.find((f) => f.name === field.when!.setting)?.choices?.[0]
      : String(given as string);
  return current === field.when.equals;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

/** What is wrong with one given value, or undefined. */
function fieldProblem(field: ConfigField, value: unknown): string | undefined {
  const s = text(value);
  switch (field.kind) {
    case 'boolean':
      return value === true || value === false || value === 'true' || value === 'false'
        ? undefined
        : 'must be true or false';
    case 'integer':
      return s !== undefined && /^\d{1,7}$/.test(s) && Number(s) > 0
        ? undefined
        : 'must be a positive integer';
    case 'digits':
      if (s === undefined || !/^\d+$/.test(s)) return 'must be digits';
      return field.length && s.length !== field.length ? `must be ${field.length} digits` : undefined;
    case 'url':
      return s !== undefined && isHttpUrl(s) ? undefined : 'must be an http(s) URL';
    case 'choice':
      return s !== undefined && field.choices?.includes(s)
        ? undefined
        : `must be one of ${field.choices?.join(', ')}`;
    case 'text':
    case 'secret_text':
      if (s === undefined || s.trim() !== s || s.length > 1000)
        return 'must be text without surrounding spaces';
      return field.length && s.length !== field.length ? `must be ${field.length} characters` : undefined;
    case 'private_key':
      return s !== undefined && parses(() => toPrivateKey(s))
        ? undefined
        : 'is not a readable private key (PEM, or base64 PKCS#8)';
    case 'public_key':
      return s !== undefined && parses(() => toPublicKey(s)) ? undefined : 'is not a readable public key';
    case 'certificate':
      return s !== undefined && certificates(s) ? undefined : 'is not a readable PEM certificate';
    case 'certificate_or_public_key':
      return s !== undefined && (certificates(s) || parses(() => toPublicKey(s)))
        ? undefined
        : 'is not a readable PEM certificate or public key';
  }
}

function isHttpUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function parses(read: () => unknown): boolean {
  try {
    read();
    return true;
  } catch {
    return false;
  }
}

/** One or more concatenated PEM certificates (a chain), each readable. */
function certificates(s: string): boolean {
  const blocks = s.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.length > 0 && blocks.every((b) => parses(() => new X509Certificate(b)));
}

/**
 * Settings as the connectors read them. The admin API's schema coerces every setting to
 * text (its first union member), so `validate_cn_name: false` arrived as "false", which a
 * connector comparing with `false` took for true. Checked values are turned back into their
 * kind: "false" into false, "5000" into 5000. Call after `channelConfigErrors` found none.
 */
export function normalizedSettings(
  provider: Provider,
  settings: Record<string, unknown>,
): Record<string, unknown> {
  const kinds = new Map(
    CHANNEL_CONFIG_FIELDS[provider].filter((f) => f.group === 'settings').map((f) => [f.name, f.kind]),
  );
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(settings)) {
    const kind = name === 'simulator' ? 'boolean' : kinds.get(name);
    if (kind === 'boolean' && (value === 'true' || value === 'false')) out[name] = value === 'true';
    else if (kind === 'integer' && typeof value === 'string' && /^\d+$/.test(value))
      out[name] = Number(value);
    else out[name] = value;
  }
  return out;
}
