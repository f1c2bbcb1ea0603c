import { JuheError } from '../../domain/errors.js';
import {
  assertKeyPair,
  openKeyOf,
  passwordOf,
  publicIdOf,
  rsaPrivateKeyOf,
  rsaPublicKeyOf,
  secretOf,
  sha1HexOf,
} from './credential-formats.js';
import { sha1Hex } from './stores.js';

/**
 * The credentials an existing client holds, for one mode, as an import document gives
 * them (docs/credential-import.example.json has every field):
 *   maxpay:  app_id, master_key, session_tokens[]
 *   paymax:  app_key, secret_key, merchant_public_key, platform_private_key + platform_public_key
 *   unified: domain_code, domain_secret
 *   stores:  [{name, open_id, open_key, shop_password | shop_password_sha1}]
 * checkImport refuses the first field that a client could not use, before anything is written.
 */
export interface CheckedMode {
  livemode: boolean;
  maxpay?: { appId: string; masterKey: string; sessionTokens: string[] };
  paymax?: {
    appKey: string;
    secretKey: string;
    merchantPublicKeyPem: string;
    platform?: { privateKeyPem: string; publicKeyPem: string };
  };
  unified?: { domainCode: string; domainSecret: string };
  stores: { name: string; openId: string; openKey: string; shopPassSha1: string }[];
}

type Raw = Record<string, unknown>;

function objectAt(field: string, value: unknown): Raw {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new JuheError('invalid_parameter', `${field} must be an object`, field);
  return value as Raw;
}

/** A misspelt key (`secretKey` for `secret_key`) is refused, never silently skipped. */
function onlyKeys(field: string, value: Raw, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const name = field ? `${field}.${key}` : key;
      throw new JuheError('invalid_parameter', `${name} is not a known field (${allowed.join(', ')})`, name);
    }
  }
}

function required(field: string, value: Raw, key: string): unknown {
  if (value[key] === undefined || value[key] === null)
    throw new JuheError('missing_parameter', `${field}.${key} is required`, `${field}.${key}`);
  return value[key];
}

function checkMaxpay(field: string, raw: Raw): NonNullable<CheckedMode['maxpay']> {
  onlyKeys(field, raw, ['app_id', 'master_key', 'session_tokens']);
  const tokens = raw.session_tokens ?? [];
  if (!Array.isArray(tokens) || tokens.length > 10)
    throw new JuheError(
      'invalid_parameter',
      `${field}.session_tokens must be a list of at most 10`,
      `${field}.session_tokens`,
    );
  return {
    appId: publicIdOf(`${field}.app_id`, required(field, raw, 'app_id')),
    masterKey: secretOf(`${field}.master_key`, required(field, raw, 'master_key'), 8),
    sessionTokens: tokens.map((t, i) => secretOf(`${field}.session_tokens[${i}]`, t, 8)),
  };
}

function checkPaymax(field: string, raw: Raw): NonNullable<CheckedMode['paymax']> {
  onlyKeys(field, raw, [
    'app_key',
    'secret_key',
    'merchant_public_key',
    'platform_private_key',
    'platform_public_key',
  ]);
  const checked: NonNullable<CheckedMode['paymax']> = {
    appKey: publicIdOf(`${field}.app_key`, required(field, raw, 'app_key')),
    secretKey: secretOf(`${field}.secret_key`, required(field, raw, 'secret_key'), 8),
    merchantPublicKeyPem: rsaPublicKeyOf(
      `${field}.merchant_public_key`,
      required(field, raw, 'merchant_public_key'),
    ),
  };
  // The platform pair comes whole or not at all: a public key alone signs nothing.
  if (raw.platform_private_key !== undefined || raw.platform_public_key !== undefined) {
    const privateKeyPem = rsaPrivateKeyOf(
      `${field}.platform_private_key`,
      required(field, raw, 'platform_private_key'),
    );
    const publicKeyPem = rsaPublicKeyOf(
      `${field}.platform_public_key`,
      required(field, raw, 'platform_public_key'),
    );
    assertKeyPair(`${field}.platform_public_key`, privateKeyPem, publicKeyPem);
    checked.platform = { privateKeyPem, publicKeyPem };
  }
  return checked;
}

function checkUnified(field: string, raw: Raw): NonNullable<CheckedMode['unified']> {
  onlyKeys(field, raw, ['domain_code', 'domain_secret']);
  return {
    domainCode: publicIdOf(`${field}.domain_code`, required(field, raw, 'domain_code')),
    // The document's own example secret is "test": four characters must pass.
    domainSecret: secretOf(`${field}.domain_secret`, required(field, raw, 'domain_secret'), 4),
  };
}

function checkStore(field: string, raw: Raw): CheckedMode['stores'][number] {
  onlyKeys(field, raw, ['name', 'open_id', 'open_key', 'shop_password', 'shop_password_sha1']);
  const name = required(field, raw, 'name');
  if (typeof name !== 'string' || name.length < 1 || name.length > 200)
    throw new JuheError('invalid_parameter', `${field}.name must be 1 to 200 characters`, `${field}.name`);
  if (raw.shop_password !== undefined && raw.shop_password_sha1 !== undefined) {
    throw new JuheError(
      'invalid_parameter',
      `${field}: give shop_password or shop_password_sha1, not both`,
      `${field}.shop_password_sha1`,
    );
  }
  const shopPassSha1 =
    raw.shop_password_sha1 !== undefined
      ? sha1HexOf(`${field}.shop_password_sha1`, raw.shop_password_sha1)
      : // The document's default supervisor password when the file names none (FACTS: 123456).
        sha1Hex(
          raw.shop_password === undefined
            ? '123456'
            : passwordOf(`${field}.shop_password`, raw.shop_password),
        );
  return {
    name,
    openId: publicIdOf(`${field}.open_id`, required(field, raw, 'open_id')),
    openKey: openKeyOf(`${field}.open_key`, required(field, raw, 'open_key')),
    shopPassSha1,
  };
}

function checkMode(field: string, raw: Raw, livemode: boolean): CheckedMode {
  onlyKeys(field, raw, ['maxpay', 'paymax', 'unified', 'stores']);
  const stores = raw.stores ?? [];
  if (!Array.isArray(stores) || stores.length > 1000)
    throw new JuheError(
      'invalid_parameter',
      `${field}.stores must be a list of at most 1000`,
      `${field}.stores`,
    );
  const mode: CheckedMode = {
    livemode,
    stores: stores.map((s, i) => checkStore(`${field}.stores[${i}]`, objectAt(`${field}.stores[${i}]`, s))),
  };
  if (raw.maxpay !== undefined)
    mode.maxpay = checkMaxpay(`${field}.maxpay`, objectAt(`${field}.maxpay`, raw.maxpay));
  if (raw.paymax !== undefined)
    mode.paymax = checkPaymax(`${field}.paymax`, objectAt(`${field}.paymax`, raw.paymax));
  if (raw.unified !== undefined)
    mode.unified = checkUnified(`${field}.unified`, objectAt(`${field}.unified`, raw.unified));
  return mode;
}

/**
 * Checks `{test?: {...}, live?: {...}}` (plus the keys `extra` allows, which the caller
 * reads itself, e.g. the CLI file's `name`), with every field named from the document's
 * root (`live.paymax.merchant_public_key`). At least one credential must be given.
 */
export function checkImport(input: unknown, extra: readonly string[] = []): CheckedMode[] {
  const raw = objectAt('body', input);
  onlyKeys('', raw, ['test', 'live', ...extra]);
  const modes: CheckedMode[] = [];
  for (const [key, livemode] of [
    ['test', false],
    ['live', true],
  ] as const) {
    if (raw[key] !== undefined) modes.push(checkMode(key, objectAt(key, raw[key]), livemode));
  }
  if (!modes.some((m) => m.maxpay || m.paymax || m.unified || m.stores.length > 0)) {
    throw new JuheError('missing_parameter', 'Nothing to import: give test or live credentials', 'test');
  }
  return modes;
}
