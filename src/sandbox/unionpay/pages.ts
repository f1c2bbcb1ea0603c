import { escapeHtml as escape } from '../../domain/html.js';
import type { AcpFields } from './acp.js';

export interface CashierOrder {
  code: string;
  merId: string;
  orderId: string;
  txnAmt: number;
  /** null: waiting for the payer; 00 paid; 01 failed. */
  respCode: string | null;
  respMsg: string | null;
  expired: boolean;
  channel: 'app' | 'web';
}

const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} (sandbox)</title>
<style>
body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0;display:flex;justify-content:center}
main{background:#fff;max-width:440px;width:100%;margin:24px;padding:24px;border-radius:8px;text-align:center}
.brand{color:#e60012;font-weight:600}.amount{font-size:40px;margin:16px 0}.sandbox{color:#b26a00;font-size:13px}
button{width:100%;padding:14px;border:0;border-radius:6px;font-size:17px;margin-top:12px;cursor:pointer}
.pay{background:#e60012;color:#fff}.decline{background:#f2f2f2;color:#333}.state{font-size:18px}
dl{text-align:left;font-size:14px;color:#555}dt{float:left;width:45%}dd{margin-left:45%}
</style></head><body><main>
<div class="brand">银联在线支付 · UnionPay</div>
<div class="sandbox">Sandbox simulator: no real money moves</div>
${body}
</main></body></html>`;
}

/** The UnionPay cashier: where the payer of a web form or an app tn pays or declines. */
export function cashierPage(order: CashierOrder, basePath: string, notice?: string): string {
  const open = order.respCode === null;
  const actions =
    open && !order.expired
      ? `<form method="post" action="${basePath}/cashier/${order.code}/pay"><button class="pay" type="submit">确认付款 Pay ¥${yuan(order.txnAmt)}</button></form>
<form method="post" action="${basePath}/cashier/${order.code}/decline"><button class="decline" type="submit">取消 Decline</button></form>`
      : `<p class="state" data-testid="outcome">${
          open
            ? '订单已超时 This order has expired.'
            : order.respCode === '00'
              ? '支付成功 Paid'
              : `支付失败 Not paid · ${escape(order.respMsg ?? '')}`
        }</p>`;
  return shell(
    'UnionPay cashier',
    `<div class="amount" data-testid="amount">¥${yuan(order.txnAmt)}</div>
<dl><dt>Merchant</dt><dd>${escape(order.merId)}</dd><dt>Order</dt><dd>${escape(order.orderId)}</dd>
<dt>Channel</dt><dd>${order.channel === 'app' ? 'UnionPay app (tn)' : 'Web gateway'}</dd>
<dt>Status</dt><dd data-testid="state">${escape(order.respCode ?? 'WAITING')}</dd></dl>
${notice ? `<p class="state" data-testid="notice">${escape(notice)}</p>` : ''}
${actions}`,
  );
}

/** What UnionPay's gateway shows when a front form is refused. */
export function errorPage(respCode: string, respMsg: string): string {
  return shell(
    'UnionPay error',
    `<p class="state" data-testid="error">交易失败 [${escape(respCode)}] ${escape(respMsg)}</p>`,
  );
}

/**
 * The front notification: the payer's browser posts the signed result to the merchant's
 * frontUrl (an auto-submitting form, as UnionPay's "返回商户" does).
 */
export function frontNotifyPage(frontUrl: string, fields: AcpFields): string {
  const inputs = Object.keys(fields)
    .sort()
    .map((k) => `<input type="hidden" name="${escape(k)}" value="${escape(fields[k])}"/>`)
    .join('\n');
  return shell(
    'UnionPay',
    `<p class="state" data-testid="outcome">${fields.respCode === '00' ? '支付成功 Paid' : '支付失败 Not paid'}</p>
<form id="front_notify" method="post" action="${escape(frontUrl)}">
${inputs}
<button class="pay" type="submit">返回商户 Back to the merchant</button></form>
<script>setTimeout(function(){document.getElementById('front_notify').submit();},1500);</script>`,
  );
}
