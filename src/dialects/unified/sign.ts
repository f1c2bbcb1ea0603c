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
 * The opt-in signature that binds each value to its name (Juhe's, not the document's):
 * lowercase sha1hex of `name=value` pairs of the non-empty signed fields, sorted by name
 * and joined with `&`, then `&domainSecret=<secret>`. The document's signature sorts the
 * values without their names, so signed values can be moved between fields
 * (`money=10000&requestChannel=1` re-sent as `money=1&requestChannel=10000` verifies);
 * this one cannot. Example (secret "test"):
 *   sha1("domainCode=test&money=1&requestKey=k1&domainSecret=test")
 */
export function namedSign(
  params: Readonly<Record<string, string | undefined>>,
  fields: readonly string[],
  domainSecret: string,
): string {
  const pairs = [...fields]
    .filter((f) => (params[f] ?? '') !== '')
    .sort()
    .map((f) => `${f}=${params[f]}`);
  pairs.push(`domainSecret=${domainSecret}`);
  return createHash('sha1').update(pairs.join('&'), 'utf8').digest('hex');
}

/** Which signatures a domain accepts: the document's and the named one, or only the named one. */
export type SignScheme = 'document' | 'named';

/** The URL fields a real integration signs URL-encoded (FACTS.md). */
const ENCODED_URL_FIELDS = ['pageUrl', 'bgUrl'] as const;

/**
 * The ways a client may have encoded pageUrl and bgUrl before signing: as decoded (the
 * document's vectors), with JavaScript's encodeURIComponent, or with Java's URLEncoder
 * (spaces as "+", and "!'()~" escaped too).
 */
const URL_ENCODINGS: readonly ((value: string) => string)[] = [
  (v) => v,
  encodeURIComponent,
  (v) =>
    encodeURIComponent(v)
      .replace(/%20/g, '+')
      .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
];

/**
 * Verifies a cashier request. The merchant signs the entry URL, usually with an empty
 * payTypeCode; the cashier page fills in the payer's choice before it calls the API, so a
 * signature over the fields without payTypeCode is accepted too. A payTypeCode the merchant
 * did sign cannot be swapped: neither variant matches then. A real integration signs the
 * URL-encoded values of pageUrl and bgUrl, so those renderings are accepted as well (the
 * values themselves are what the request carries: encoding changes no meaning).
 *
 * `scheme` 'named' (a domain's opt-in) accepts only the named signature. Answers which
 * signature matched, or null.
 */
export function verifyPaySign(
  params: Readonly<Record<string, string | undefined>>,
  domainSecret: string,
  scheme: SignScheme = 'document',
): SignScheme | null {
  const sign = params.sign ?? '';
  const variants: Record<string, string | undefined>[] = [];
  for (const encode of URL_ENCODINGS) {
    const encoded = { ...params };
    for (const field of ENCODED_URL_FIELDS) encoded[field] = encode(params[field] ?? '');
    variants.push(encoded);
    if (params.payTypeCode) variants.push({ ...encoded, payTypeCode: '' });
  }
  // Every candidate is computed (no early exit), so timing does not tell which one matched.
  let documentMatched = false;
  let namedMatched = false;
  for (const variant of variants) {
    if (scheme === 'document') {
      documentMatched =
        signMatches(sign, signFields(variant, PAY_SIGNED_FIELDS, domainSecret)) || documentMatched;
    }
    namedMatched = signMatches(sign, namedSign(variant, PAY_SIGNED_FIELDS, domainSecret)) || namedMatched;
  }
  return namedMatched ? 'named' : documentMatched ? 'document' : null;
}
