import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The unified platform's signature (FACTS.md): lowercase sha1hex of the concatenation of
 * every non-empty parameter value together with domainSecret, all values (the secret
 * included) sorted as strings first. Parameter names play no part.
 *
 * Example (the document's query URL, secret "test"): values ["test", "1464844451098"]
 * plus the secret "test" sort to ["1464844451098", "test", "test"], and
 * sha1("1464844451098testtest") = "07c34ea79a804e7c54b0538c45d2015e2f13814e".
 */
export function unifiedSign(values: readonly string[], domainSecret: string): string {
  const parts = values.filter((v) => v !== '');
  parts.push(domainSecret);
  // Plain code-unit order, as Java's String.compareTo sorts (what the platform ran on).
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha1').update(parts.join(''), 'utf8').digest('hex');
}

/**
 * The request fields a signature covers, in the platform's DTO order. Fields outside the
 * DTO (a cache buster, the `openid` the cashier page adds after the merchant signed) are
 * ignored, as a Java DTO binding ignores them.
 */
export const PAY_SIGNED_FIELDS = [
  'domainCode',
  'payTypeCode',
  'requestChannel',
  'money',
  'info',
  'infoEn',
  'requestKey',
  'currencyType',
  'pageUrl',
  'bgUrl',
  'dialogOkUrl',
  'dialogFailUrl',
  'rate',
  'payTypeCodeIn',
] as const;

export const QUERY_SIGNED_FIELDS = ['domainCode', 'requestKey'] as const;

/** The bgUrl notification's fields, in the document's order. */
export const NOTIFY_SIGNED_FIELDS = [
  'money',
  'requestKey',
  'payTime',
  'orderSn',
  'payTypeCode',
  'payTypeName',
  'currencyType',
  'payStatus',
  'domainCode',
] as const;

export function signFields(
  params: Readonly<Record<string, string | undefined>>,
  fields: readonly string[],
  domainSecret: string,
): string {
  return unifiedSign(
    fields.map((f) => params[f] ?? ''),
    domainSecret,
  );
}

/** Constant-time comparison of a received signature; hex case is not significant. */
export function signMatches(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Verifies a cashier request. The merchant signs the entry URL, usually with an empty
 * payTypeCode; the cashier page fills in the payer's choice before it calls the API, so a
 * signature over the fields without payTypeCode is accepted too. A payTypeCode the merchant
 * did sign cannot be swapped: neither variant matches then.
 */
export function verifyPaySign(
  params: Readonly<Record<string, string | undefined>>,
  domainSecret: string,
): boolean {
  const sign = params.sign ?? '';
  if (signMatches(sign, signFields(params, PAY_SIGNED_FIELDS, domainSecret))) return true;
  if (!params.payTypeCode) return false;
  return signMatches(sign, signFields({ ...params, payTypeCode: '' }, PAY_SIGNED_FIELDS, domainSecret));
}
