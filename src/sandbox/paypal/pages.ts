import { formatPaypalAmount } from '../../channels/paypal/protocol.js';

export interface ApprovePageOrder {
  id: string;
  description: string;
  currency: string;
  amount: number;
  status: string;
  merchantEmail: string;
  expired: boolean;
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * The payer's PayPal checkout (what the approve link opens): the order, and two buttons.
 * "Pay" approves the order and sends the browser to the merchant's return_url with
 * ?token=<order id>&PayerID=..; "Cancel and return" goes to cancel_url?token=<order id>.
 */
export function approvePage(order: ApprovePageOrder, basePath: string, notice?: string): string {
  const open = (order.status === 'CREATED' || order.status === 'PAYER_ACTION_REQUIRED') && !order.expired;
  const amount = `${formatPaypalAmount(order.amount, order.currency)} ${order.currency}`;
  const action = (verb: string) => `${basePath}/checkoutnow/${encodeURIComponent(order.id)}/${verb}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>PayPal Checkout (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
.amount{font-size:2rem;font-weight:600}.muted{color:#666}button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem 0;width:100%}
.pay{background:#ffc439;border:0;border-radius:4px}.notice{background:#fff3cd;padding:.5rem}</style></head>
<body>
<h1>PayPal Checkout <small class="muted">sandbox</small></h1>
${notice ? `<p class="notice">${escape(notice)}</p>` : ''}
<p class="muted">Pay ${escape(order.merchantEmail)}</p>
<p class="amount">${escape(amount)}</p>
<p>${escape(order.description)}</p>
<p class="muted">Order ${escape(order.id)} · ${order.expired ? 'expired' : escape(order.status)}</p>
${
  open
    ? `<form method="post" action="${action('pay')}"><button class="pay" type="submit">Pay Now</button></form>
<form method="post" action="${action('cancel')}"><button type="submit">Cancel and return to merchant</button></form>`
    : ''
}
</body></html>`;
}
