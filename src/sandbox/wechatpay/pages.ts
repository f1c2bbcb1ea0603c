export interface PageOrder {
  code: string;
  mchid: string;
  outTradeNo: string;
  tradeType: string;
  description: string;
  total: number;
  state: string;
  stateDesc: string;
  expired: boolean;
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

const STATES: Record<string, string> = {
  NOTPAY: 'Waiting for payment',
  USERPAYING: 'Waiting for the payer to confirm',
  SUCCESS: 'Paid',
  CLOSED: 'Closed',
  REVOKED: 'Reversed',
  PAYERROR: 'Not paid',
};

const TITLES: Record<string, string> = {
  NATIVE: 'WeChat Pay · scan to pay',
  MWEB: 'WeChat Pay · H5',
  JSAPI: 'WeChat Pay · in WeChat',
  APP: 'WeChat Pay · app',
  MICROPAY: 'WeChat Pay · confirm payment',
};

/**
 * The payer's side of the simulator: what opening the code_url (QR landing), the h5_url,
 * or a JSAPI / app / barcode cashier shows. The payer pays or declines; paying makes the
 * simulator send the signed callback to the merchant like WeChat does.
 */
export function payerPage(order: PageOrder, basePath: string, notice?: string): string {
  const open = order.state === 'NOTPAY' || order.state === 'USERPAYING';
  const actions =
    open && !order.expired
      ? `<form method="post" action="${basePath}/cashier/${order.code}/pay"><button class="pay" type="submit">Pay ¥${yuan(order.total)}</button></form>
      <form method="post" action="${basePath}/cashier/${order.code}/decline"><button class="decline" type="submit">Decline</button></form>`
      : `<p class="state" data-testid="outcome">${
          order.expired && open
            ? 'This order has expired.'
            : `${STATES[order.state] ?? order.state} · ${escape(order.stateDesc)}`
        }</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(TITLES[order.tradeType] ?? 'WeChat Pay')} (sandbox)</title>
<style>
body{font-family:system-ui,sans-serif;background:#ededed;margin:0;display:flex;justify-content:center}
main{background:#fff;max-width:420px;width:100%;margin:24px;padding:24px;border-radius:8px;text-align:center}
.brand{color:#07c160;font-weight:600}.amount{font-size:40px;margin:16px 0}.sandbox{color:#b26a00;font-size:13px}
button{width:100%;padding:14px;border:0;border-radius:6px;font-size:17px;margin-top:12px;cursor:pointer}
.pay{background:#07c160;color:#fff}.decline{background:#f2f2f2;color:#333}.state{font-size:18px}
dl{text-align:left;font-size:14px;color:#555}dt{float:left;width:45%}dd{margin-left:45%}
</style></head>
<body><main>
<div class="brand">WeChat Pay</div>
<div class="sandbox">Sandbox simulator: no real money moves</div>
<div class="amount" data-testid="amount">¥${yuan(order.total)}</div>
<div>${escape(order.description)}</div>
<dl><dt>Merchant</dt><dd>${escape(order.mchid)}</dd><dt>Order</dt><dd>${escape(order.outTradeNo)}</dd>
<dt>Status</dt><dd data-testid="state">${escape(order.state)}</dd></dl>
${notice ? `<p class="state" data-testid="notice">${escape(notice)}</p>` : ''}
${actions}
</main></body></html>`;
}
