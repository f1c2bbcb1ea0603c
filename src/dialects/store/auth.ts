import { storeByOpenId } from '../../core/apps/credential-cache.js';
import type { StoreWithKey } from '../../core/apps/stores.js';
import type { Core } from '../../core/context.js';
import { isStorableText } from '../../domain/storable-text.js';
import { topLevelNumberLiterals } from '../paymax/json-literals.js';
import { decryptData, verifySign } from './codec.js';
import { StoreError } from './errors.js';
import type { Fields } from './form.js';

/** The document's window: a timestamp more than 600 s from ours is refused (errcode 9). */
export const TIMESTAMP_WINDOW_SEC = 600;

export interface Authenticated {
  store: StoreWithKey;
  data: Record<string, unknown>;
  /** The text of each top-level number of `data`, as written (amounts are read from it). */
  literals: ReadonlyMap<string, string>;
}

/**
 * Authenticates one request and opens its `data`, in the order the errcodes tell a
 * client what to fix: no open_id (8), unknown open_id (3002), bad sign (5), timestamp out
 * of the window (9), then undecryptable data (8044: the document's remedy for 8044 is
 * "check the data encryption"). `onStore` hands the store out as soon as it is known, so
 * even a refused request is answered with a signed envelope.
 *
 * A captured request replayed after the window fails on its timestamp. Inside the window
 * identical requests are legitimate (a till polling paystatus twice in one second sends
 * the same bytes), and the writes are idempotent by out_no / refund_out_no.
 */
export async function authenticate(
  core: Core,
  fields: Fields,
  onStore: (store: StoreWithKey) => void,
): Promise<Authenticated> {
  const openId = fields.open_id;
  if (!openId) {
    throw new StoreError(
      'open_id_missing',
      '未收到open_id，请以application/x-www-form-urlencoded提交open_id、timestamp、data、sign',
    );
  }
  // A NUL (open_id=%00) cannot even be looked up: no store has it.
  const store =
    openId.length <= 128 && isStorableText(openId) ? await storeByOpenId(core, openId) : undefined;
  if (!store) throw new StoreError('store_not_found', `open_id ${openId.slice(0, 64)}`);
  onStore(store);

  const given = fields.sign;
  if (!given) throw new StoreError('bad_sign', 'sign不能为空');
  // The signing string leaves `sign` itself out.
  const signedBy = /^[0-9a-fA-F]{32}$/.test(given) ? keySigning(core, store, fields, given) : undefined;
  if (!signedBy) throw new StoreError('bad_sign');
  if (signedBy !== store) onStore(signedBy);

  const timestamp = fields.timestamp ?? '';
  const now = Math.floor(core.clock.now().getTime() / 1000);
  if (!/^\d{1,12}$/.test(timestamp))
    throw new StoreError('timestamp_error', 'timestamp必须是Unix时间戳（秒）');
  if (Math.abs(now - Number(timestamp)) > TIMESTAMP_WINDOW_SEC) {
    throw new StoreError('timestamp_error', `timestamp ${timestamp}与服务器时间${now}相差超过600秒`);
  }

  return { store: signedBy, ...openData(fields.data, signedBy.openKey) };
}

/**
 * The store as the request's key sees it: its current open_key, or, within the overlap
 * window of a rotation, the key that was replaced. A till still on the old key is answered
 * with the old key too (the answer's `data` and `sign` are what it decrypts and checks),
 * so each till can be switched on its own until the window closes; undefined when neither
 * key signed the request.
 */
function keySigning(
  core: Core,
  store: StoreWithKey,
  fields: Fields,
  given: string,
): StoreWithKey | undefined {
  if (verifySign(fields, given, store.openKey)) return store;
  const previous = store.previousOpenKey;
  if (!previous || core.clock.now().getTime() >= previous.expiresAt.getTime()) return undefined;
  return verifySign(fields, given, previous.key) ? { ...store, openKey: previous.key } : undefined;
}

/**
 * `data` as an object. An absent or empty `data`, and PHP's encoding of an empty array
 * (`[]`), are no parameters; anything that does not decrypt to a JSON object is refused.
 */
export function openData(
  hex: string | undefined,
  openKey: string,
): { data: Record<string, unknown>; literals: ReadonlyMap<string, string> } {
  const none = { data: {}, literals: new Map<string, string>() };
  if (hex === undefined || hex === '') return none;
  const text = decryptData(hex, openKey);
  if (text === null) {
    throw new StoreError(
      'out_no_missing',
      'data解密失败，请检查data加密（AES-256-ECB，密钥为open_key，hex编码）',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StoreError('out_no_missing', 'data不是有效的JSON');
  }
  if (parsed === null || (Array.isArray(parsed) && parsed.length === 0)) return none;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StoreError('out_no_missing', 'data必须是JSON对象');
  }
  return { data: parsed as Record<string, unknown>, literals: topLevelNumberLiterals(text) };
}
