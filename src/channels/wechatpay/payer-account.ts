/**
 * The payer as a v3 transaction names them: direct `payer.openid`; a service provider's
 * order `payer.sub_openid` (under the sub-merchant's appid) or `payer.sp_openid`.
 */
export function payerAccountOf(t: Record<string, any>): { payerAccount?: string } {
  const payer = (t.payer ?? {}) as Record<string, unknown>;
  for (const key of ['openid', 'sub_openid', 'sp_openid']) {
    const value = payer[key];
    if (typeof value === 'string' && value) return { payerAccount: value };
  }
  return {};
}
