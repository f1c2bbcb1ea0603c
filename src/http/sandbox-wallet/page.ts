import type { Charge } from '../../domain/charge.js';
import { formatMinor } from '../../domain/money.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const PROVIDER_NAMES: Record<string, string> = {
  alipay: 'Alipay',
  wechatpay: 'WeChat Pay',
  unionpay: 'UnionPay',
  applepay: 'Apple Pay',
  paypal: 'PayPal',
  lakala: 'Lakala',
};

/** The sandbox payer's view of one charge: what is being paid, and buttons to pay or decline. */
export function walletPage(charge: Charge, qrSvg: string | null): string {
  const unpaid = charge.status === 'pending' || charge.status === 'user_paying';
  const amount = `${formatMinor(charge.amount, charge.currency)} ${charge.currency}`;
  const provider = PROVIDER_NAMES[charge.channel] ?? charge.channel;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sandbox wallet: ${escapeHtml(charge.subject)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; display: grid; place-items: center; min-height: 100vh; }
  main { background: #fff; border-radius: 12px; box-shadow: 0 2px 12px #0002; padding: 28px; width: min(360px, 90vw); }
  h1 { font-size: 15px; color: #666; margin: 0 0 4px; font-weight: 500; }
  .amount { font-size: 34px; font-weight: 700; margin: 8px 0 16px; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; font-size: 13px; color: #444; }
  dt { color: #888; } dd { margin: 0; word-break: break-all; }
  .status { display: inline-block; padding: 2px 10px; border-radius: 10px; background: #eef; font-size: 13px; }
  .status.succeeded { background: #e3f7e8; color: #17743a; } .status.failed, .status.closed, .status.canceled { background: #fdecec; color: #a12; }
  form { display: inline; } button { font-size: 16px; padding: 10px 22px; border-radius: 8px; border: 0; cursor: pointer; margin: 16px 8px 0 0; }
  .pay { background: #1677ff; color: #fff; } .decline { background: #eee; }
  .note { font-size: 12px; color: #999; margin-top: 18px; }
  .qr svg { width: 160px; height: 160px; }
</style></head>
<body><main>
  <h1>Sandbox ${escapeHtml(provider)} · test mode</h1>
  <div class="amount" data-testid="amount">${escapeHtml(amount)}</div>
  <dl>
    <dt>Item</dt><dd>${escapeHtml(charge.subject)}</dd>
    <dt>Order</dt><dd>${escapeHtml(charge.orderNo)}</dd>
    <dt>Charge</dt><dd>${escapeHtml(charge.id)}</dd>
    <dt>Status</dt><dd><span class="status ${charge.status}" data-testid="status">${charge.status}</span></dd>
  </dl>
  ${qrSvg && unpaid ? `<div class="qr">${qrSvg}</div>` : ''}
  ${
    unpaid
      ? `<form method="post" action="./${charge.id}/pay"><button class="pay" type="submit">Pay ${escapeHtml(amount)}</button></form>
  <form method="post" action="./${charge.id}/decline"><button class="decline" type="submit">Decline</button></form>`
      : charge.returnUrl
        ? `<p><a href="${escapeHtml(charge.returnUrl)}">Back to the merchant</a></p>`
        : ''
  }
  <p class="note">This is Juhe's sandbox wallet. No real money moves.</p>
</main></body></html>`;
}
