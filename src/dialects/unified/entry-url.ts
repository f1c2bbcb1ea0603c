import { PAY_SIGNED_FIELDS, signFields } from './sign.js';
import type { PayScene } from './pay-types.js';

/**
 * The cashier entry URL a merchant sends the payer to:
 * `<site>/pay.html#/?domainCode=...&...&sign=...` (PC) or `<site>/mpay.html#/?...` (H5).
 * The parameters live in the fragment, so the server never sees this URL: the page reads
 * them and hands them to the cashier API unchanged. Every documented field is written,
 * empty ones too, in the document's order; `sign` covers the non-empty ones.
 */
export const CASHIER_PAGES: Record<PayScene, string> = { pc: '/pay.html', h5: '/mpay.html' };

export type EntryParams = Partial<Record<(typeof PAY_SIGNED_FIELDS)[number], string>>;

export function signedEntryParams(params: EntryParams, domainSecret: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of PAY_SIGNED_FIELDS) out[field] = params[field] ?? '';
  out.sign = signFields(out, PAY_SIGNED_FIELDS, domainSecret);
  return out;
}

export function cashierEntryUrl(
  siteUrl: string,
  scene: PayScene,
  params: EntryParams,
  domainSecret: string,
): string {
  const signed = signedEntryParams(params, domainSecret);
  const query = Object.entries(signed)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `${siteUrl.replace(/\/+$/, '')}${CASHIER_PAGES[scene]}#/?${query}`;
}

/** The parameters of an entry URL, as the cashier page reads them from its fragment. */
export function parseEntryUrl(url: string): Record<string, string> {
  const hash = new URL(url).hash;
  const at = hash.indexOf('?');
  return at < 0 ? {} : Object.fromEntries(new URLSearchParams(hash.slice(at + 1)));
}
