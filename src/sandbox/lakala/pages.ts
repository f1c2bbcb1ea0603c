import { escapeHtml as escape } from '../../domain/html.js';

export interface CounterOrder {
  code: string;
  merchantNo: string;
  outOrderNo: string;
  payOrderNo: string;
  orderInfo: string;
  total: number;
  /** Lakala order_status as the query would report it (0, 2, 3, 4, 5, 6, 7). */
  status: string;
}

export const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

export const STATUS_TEXT: Record<string, string> = {
  '0': '待支付 · Waiting for payment',
  '1': '支付中 · Paying',
  '2': '支付成功 · Paid',
  '3': '支付失败 · Not paid',
  '4': '已过期 · Expired',
  '5': '已取消 · Canceled',
  '6': '已退款 · Refunded',
  '7': '已关闭 · Closed',
};

/**
 * The payer's side of the simulator: what the counter_url (Lakala's hosted cashier, 收银台)
 * shows for an order. The payer picks a wallet and pays, or declines; paying makes the
 * simulator send the signed notification and then return the payer to callback_url.
 */
export function counterPage(order: CounterOrder, basePath: string, notice?: string): string {
  const action = (what: string) => `${basePath}/counter/${order.code}/${what}`;
  const actions =
    order.status === '0'
      ? `<form method="post" action="${action('pay')}">
  <label><input type="radio" name="pay_mode" value="WECHAT" checked> 微信 WeChat Pay</label>
  <label><input type="radio" name="pay_mode" value="ALIPAY"> 支付宝 Alipay</label>
  <label><input type="radio" name="pay_mode" value="UQRCODEPAY"> 云闪付 UnionPay</label>
  <button class="pay" type="submit">Pay ¥${yuan(order.total)}</button></form>
<form method="post" action="${action('decline')}"><button class="decline" type="submit">Decline</button></form>`
      : `<p class="state" data-testid="outcome">${escape(STATUS_TEXT[order.status] ?? order.status)}</p>`;
  return `<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>拉卡拉收银台 Lakala cashier (sandbox)</title>
<style>
body{font-family:system-ui,sans-serif;background:#f0f2f5;margin:0;display:flex;justify-content:center}
main{background:#fff;max-width:420px;width:100%;margin:24px;padding:24px;border-radius:8px;text-align:center}
.brand{color:#1e5bd8;font-weight:600}.amount{font-size:40px;margin:16px 0}.sandbox{color:#b26a00;font-size:13px}
label{display:block;text-align:left;padding:6px 0}
button{width:100%;padding:14px;border:0;border-radius:6px;font-size:17px;margin-top:12px;cursor:pointer}
.pay{background:#1e5bd8;color:#fff}.decline{background:#f2f2f2;color:#333}.state{font-size:18px}
dl{text-align:left;font-size:14px;color:#555}dt{float:left;width:40%}dd{margin-left:40%;word-break:break-all}
</style></head>
<body><main>
<div class="brand">拉卡拉收银台 · Lakala</div>
<div class="sandbox">Sandbox simulator: no real money moves</div>
<div class="amount" data-testid="amount">¥${yuan(order.total)}</div>
<div>${escape(order.orderInfo)}</div>
<dl><dt>Merchant</dt><dd>${escape(order.merchantNo)}</dd><dt>Order</dt><dd>${escape(order.outOrderNo)}</dd>
<dt>Lakala order</dt><dd>${escape(order.payOrderNo)}</dd>
<dt>Status</dt><dd><span data-testid="state">${escape(order.status)}</span> · ${escape(STATUS_TEXT[order.status] ?? '')}</dd></dl>
${notice ? `<p class="state" data-testid="notice">${escape(notice)}</p>` : ''}
${actions}
</main></body></html>`;
}
