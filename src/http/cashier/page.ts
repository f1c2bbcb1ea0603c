import type { Charge } from '../../domain/charge.js';
import { formatMinor } from '../../domain/money.js';
import { escapeHtml, scriptJson } from '../html.js';

export interface CashierView {
  charge: Charge;
  /** WeChat JSAPI parameters for `getBrandWCPayRequest`, once the payment has started. */
  jsapi?: Record<string, unknown>;
  /** Test mode: the WeChat Pay simulator's payment sheet for this prepay id. */
  sandboxSheetUrl?: string;
  /** Why the page cannot go on (shown instead of the payment). */
  problem?: string;
}

const STATUS_TEXT: Record<string, string> = {
  pending: '待支付 Waiting for payment',
  user_paying: '支付中 Paying',
  succeeded: '支付成功 Paid',
  failed: '支付失败 Not paid',
  canceled: '已取消 Canceled',
  closed: '已关闭 Closed',
};

/**
 * The hosted pay page of a payment link (credential `pay_url` of a `startLater` charge).
 * Inside WeChat it asks WeixinJSBridge for the payment sheet at once and, whatever the
 * payer does there, continues to the charge's return URL (the order's real state comes
 * from the notification, as WeChat's own guidance says). Test mode adds a link to the
 * simulator's payment sheet, since no WeixinJSBridge exists outside WeChat. Its script and
 * style carry the response's CSP nonce (the payer pages' strict policy, page-csp.ts).
 */
export function cashierPage(view: CashierView, nonce: string): string {
  const { charge } = view;
  const amount = `¥${formatMinor(charge.amount, charge.currency)}`;
  const next = charge.returnUrl ?? '';
  const bridge = view.jsapi
    ? `<script nonce="${nonce}">
(function () {
  var params = ${scriptJson(view.jsapi)};
  var next = ${scriptJson(next)};
  function pay() {
    WeixinJSBridge.invoke('getBrandWCPayRequest', params, function () { if (next) location.href = next; });
  }
  if (typeof WeixinJSBridge === 'undefined') document.addEventListener('WeixinJSBridgeReady', pay, false);
  else pay();
})();
</script>`
    : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(charge.subject)}</title>
<style nonce="${nonce}">
  body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; display: grid; place-items: center; min-height: 100vh; }
  main { background: #fff; border-radius: 12px; box-shadow: 0 2px 12px #0002; padding: 28px; width: min(360px, 90vw); text-align: center; }
  .amount { font-size: 34px; font-weight: 700; margin: 8px 0 4px; }
  .subject { color: #555; } .status { margin: 14px 0; color: #888; }
  .problem { color: #a12; } a.button { display: inline-block; margin-top: 14px; padding: 10px 22px; border-radius: 8px; background: #07c160; color: #fff; text-decoration: none; }
  .sandbox { font-size: 12px; color: #999; margin-top: 22px; }
</style></head>
<body><main>
  <div class="amount" data-testid="amount">${escapeHtml(amount)}</div>
  <div class="subject">${escapeHtml(charge.subject)}</div>
  <div class="status" data-testid="status" data-status="${charge.status}">${escapeHtml(STATUS_TEXT[charge.status] ?? charge.status)}</div>
  ${view.problem ? `<p class="problem" data-testid="problem">${escapeHtml(view.problem)}</p>` : ''}
  ${next && charge.status !== 'pending' ? `<a class="button" data-testid="continue" href="${escapeHtml(next)}">继续 Continue</a>` : ''}
  ${
    view.sandboxSheetUrl && charge.status === 'pending'
      ? `<p class="sandbox">Test mode: there is no WeChat here.
  <a data-testid="sandbox-sheet" href="${escapeHtml(view.sandboxSheetUrl)}">Open the WeChat Pay sandbox payment sheet</a>${
    next ? `, then <a data-testid="continue" href="${escapeHtml(next)}">continue</a>` : ''
  }.</p>`
      : ''
  }
</main>${bridge}</body></html>`;
}
