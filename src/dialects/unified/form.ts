import { escapeHtml } from '../../domain/html.js';
/**
 * The HTML the cashier page appends to its body for every pay type but PC WeChat: a form
 * that submits itself, as Alipay's own page-pay answer does. Connectors that already
 * produce a form (credential.form or .html) are passed through; a payment URL becomes a
 * GET form whose query travels as hidden inputs (a GET submission replaces the action's
 * query string, so leaving it in the action would drop it).
 */
export const FORM_NAME = 'juhe_unified_pay';

export function autoSubmitForm(credential: Record<string, unknown> | null): string | null {
  if (!credential) return null;
  for (const key of ['form', 'html'] as const) {
    const given = credential[key];
    if (typeof given === 'string' && given.trim() !== '') return given;
  }
  const target = credential.pay_url ?? credential.url;
  if (typeof target !== 'string' || target === '') return null;
  const url = new URL(target);
  const inputs = [...url.searchParams]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  url.search = '';
  return (
    `<form name="${FORM_NAME}" method="get" action="${escapeHtml(url.toString())}">${inputs}` +
    `<input type="submit" value="立即支付" style="display:none"></form>` +
    `<script>document.forms['${FORM_NAME}'].submit();</script>`
  );
}

export { escapeHtml };
