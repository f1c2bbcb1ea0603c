/**
 * The hosted checkout page of a session or payment link (/checkout/<id>): the amount (or an
 * entry field within the link's bounds), the merchant's description and one button per
 * allowed method in its colours. PC: WeChat shows a QR code with live status (polled every
 * 2 s), Alipay, UnionPay and PayPal hand the browser to the provider. Phone: picked by user
 * agent (inside WeChat only WeChat Pay, inside Alipay only Alipay), Alipay wap or WeChat H5
 * elsewhere. No framework; script and style run under the response's CSP nonce.
 */
export type CheckoutState = 'open' | 'paid' | 'expired' | 'failed' | 'processing' | 'succeeded';

const esc = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const NAMES: Record<string, [string, string, string]> = {
  wechatpay: ['微', '微信支付', '#07c160'],
  alipay: ['支', '支付宝', '#1677ff'],
  unionpay: ['银', '银联在线支付', '#d7000f'],
  paypal: ['P', 'PayPal', '#003087'],
};

const STYLE = `
  * { box-sizing: border-box; } [hidden] { display: none !important; }
  body { margin: 0; font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; background: #f2f3f5; color: #1f2329; }
  header { background: #fff; border-bottom: 1px solid #e5e6eb; padding: 12px 16px; text-align: center; font-weight: 600; }
  main { max-width: 480px; margin: 0 auto; padding: 16px; }
  .card { background: #fff; border-radius: 12px; padding: 20px 16px; margin-bottom: 12px; }
  .summary { text-align: center; } #description { color: #5c6370; word-break: break-all; }
  .amount { font-size: 40px; font-weight: 700; margin: 8px 0 0; } .amount small { font-size: 22px; margin-right: 2px; }
  label { display: block; color: #5c6370; font-size: 14px; margin-top: 8px; }
  #amount-input { width: 100%; font: inherit; font-size: 32px; font-weight: 700; text-align: center; border: 0; border-bottom: 1px solid #e5e6eb; padding: 8px 0; }
  .bounds { color: #5c6370; font-size: 13px; }
  .methods button { display: flex; align-items: center; width: 100%; min-height: 56px; padding: 10px 4px; font: inherit; font-size: 17px; color: #1f2329; border: 0; border-bottom: 1px solid #e5e6eb; background: #fff; cursor: pointer; text-align: left; }
  .methods button:last-child { border-bottom: 0; } .methods button:disabled { opacity: .55; }
  .methods button:focus-visible { outline: 3px solid #1677ff; outline-offset: 2px; }
  .badge { flex: none; width: 32px; height: 32px; border-radius: 8px; margin-right: 12px; color: #fff; font-weight: 700; line-height: 32px; text-align: center; }
  .m-wechatpay { background: #07c160; } .m-alipay { background: #1677ff; } .m-unionpay { background: #d7000f; } .m-paypal { background: #003087; }
  #qr { text-align: center; } #qr img { width: 220px; height: 220px; border: 8px solid #fff; outline: 1px solid #e5e6eb; }
  #qr p { color: #07c160; font-weight: 600; }
  #message { color: #b42318; min-height: 1.4em; text-align: center; }
  .state { text-align: center; padding: 32px 16px; } .state h1 { font-size: 20px; margin: 0 0 8px; } .state p { color: #5c6370; }
  .mark { width: 64px; height: 64px; margin: 0 auto 12px; border-radius: 50%; color: #fff; font-size: 36px; line-height: 64px; background: #8a8f99; }
  .ok .mark { background: #07c160; } .bad .mark { background: #b42318; }
  .state a { display: block; max-width: 280px; margin: 16px auto 0; padding: 12px; border-radius: 8px; background: #1677ff; color: #fff; text-decoration: none; }
  #cancel { display: block; text-align: center; color: #5c6370; margin-top: 8px; }
`;

function shell(nonce: string, title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>${esc(title)}</header>
${body}
${script ? `<script nonce="${nonce}">${script}</script>` : ''}
</body>
</html>
`;
}

export interface CheckoutView {
  id: string;
  description: string;
  currency: string;
  /** Fixed amount in minor units, or null with bounds. */
  amount: number | null;
  minAmount: number | null;
  maxAmount: number | null;
  methods: string[];
  scene: 'pc' | 'h5';
  cancelUrl: string | null;
}

const symbol = (currency: string) => (currency === 'USD' ? 'US$' : '¥');
/** Minor units as text, never through a float. */
export function major(minor: number): string {
  const s = String(minor).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

export function checkoutPage(view: CheckoutView, nonce: string): string {
  const amount =
    view.amount !== null
      ? `<div class="amount" id="amount"><small>${symbol(view.currency)}</small>${major(view.amount)}</div>`
      : `<label for="amount-input">付款金额 (${view.currency})</label>
    <input id="amount-input" inputmode="decimal" autocomplete="off" placeholder="0.00">
    <div class="bounds">${symbol(view.currency)}${major(view.minAmount!)} – ${symbol(view.currency)}${major(view.maxAmount!)}</div>`;
  const buttons = view.methods
    .map((m) => {
      const [badge, name] = NAMES[m] ?? [m.charAt(0), m];
      return `<button type="button" data-method="${esc(m)}"><span class="badge m-${esc(m)}" aria-hidden="true">${badge}</span>${name}</button>`;
    })
    .join('');
  const body = `<main>
  <section class="card summary"><div id="description">${esc(view.description)}</div>${amount}</section>
  <section class="card methods" id="methods" aria-label="选择支付方式">${buttons}</section>
  <section class="card" id="qr" hidden><img id="qr-image" alt="微信扫码支付二维码"><p>请使用微信扫一扫完成支付</p></section>
  <p id="message" role="alert"></p>
  ${view.cancelUrl ? `<a id="cancel" href="${esc(view.cancelUrl)}">取消支付，返回商户</a>` : ''}
  <div id="form" hidden></div>
</main>`;
  const script = `(function () {
  'use strict';
  var ID = ${JSON.stringify(view.id)};
  var SCENE = ${JSON.stringify(view.scene)};
  var ua = navigator.userAgent;
  var buttons = Array.prototype.slice.call(document.querySelectorAll('[data-method]'));
  // Inside WeChat or Alipay only that app's own payment opens.
  var only = /MicroMessenger/i.test(ua) ? 'wechatpay' : /AlipayClient/i.test(ua) ? 'alipay' : null;
  if (SCENE === 'h5' && only) buttons.forEach(function (b) { if (b.getAttribute('data-method') !== only) b.hidden = true; });
  function say(m) { document.getElementById('message').textContent = m; }
  function busy(on) { buttons.forEach(function (b) { b.disabled = on; }); }
  function request(method, url, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      done(xhr.status, answer || {});
    };
    xhr.onerror = function () { done(0, {}); };
    xhr.send(body ? JSON.stringify(body) : null);
  }
  function result(charge) { location.href = '/checkout/' + ID + '/result?charge=' + encodeURIComponent(charge); }
  function poll(charge) {
    request('GET', '/checkout/' + ID + '/status?charge=' + encodeURIComponent(charge), null, function (status, answer) {
      if (answer.status === 'succeeded' || answer.status === 'failed' || answer.status === 'closed') return result(charge);
      setTimeout(function () { poll(charge); }, 2000);
    });
  }
  function pay(method) {
    var input = document.getElementById('amount-input');
    say('');
    busy(true);
    request('POST', '/checkout/' + ID + '/pay', { method: method, scene: SCENE, amount: input ? input.value : undefined },
      function (status, answer) {
        if (status !== 200) { busy(false); say(answer.message || '下单失败，请稍后再试'); return; }
        if (answer.qr) {
          document.getElementById('qr').hidden = false;
          document.getElementById('qr-image').src = '/checkout/' + ID + '/qr?charge=' + encodeURIComponent(answer.charge);
          busy(false);
          setTimeout(function () { poll(answer.charge); }, 2000);
        } else if (answer.form) {
          var box = document.getElementById('form');
          box.innerHTML = answer.form;
          box.querySelector('form').submit();
        } else if (answer.url) {
          location.href = answer.url;
        } else { busy(false); say('下单失败，请稍后再试'); }
      });
  }
  buttons.forEach(function (b) { b.addEventListener('click', function () { pay(b.getAttribute('data-method')); }); });
  if (SCENE === 'h5' && only && ${view.amount !== null} && buttons.some(function (b) { return b.getAttribute('data-method') === only; })) pay(only);
})();`;
  return shell(nonce, '收银台', body, script);
}

/** A whole page for a link that cannot be paid, or a payment's outcome. */
export function checkoutStatePage(
  state: Exclude<CheckoutState, 'open'>,
  nonce: string,
  extra: { link?: string; linkText?: string; chargeId?: string; linkId?: string } = {},
): string {
  const [title, text, tone] = {
    paid: ['订单已支付', '该订单已完成支付，无需重复支付。', 'ok'],
    succeeded: ['支付成功', '感谢您的付款。', 'ok'],
    expired: ['链接已过期', '该支付链接已失效，请联系商户重新获取。', ''],
    failed: ['支付未完成', '支付失败或已关闭，您可以返回重新支付。', 'bad'],
    processing: ['支付处理中', '正在确认支付结果，请稍候…', ''],
  }[state];
  const body = `<main><section class="card state ${tone}" id="state" data-state="${state}" role="status">
  <div class="mark" aria-hidden="true">${tone === 'ok' ? '✓' : tone === 'bad' ? '×' : '!'}</div>
  <h1>${title}</h1><p>${text}</p>
  ${extra.link ? `<a id="state-link" href="${esc(extra.link)}">${esc(extra.linkText ?? '返回')}</a>` : ''}
</section></main>`;
  // Processing: look again every 2 s until the provider's answer is in.
  const script =
    state === 'processing' && extra.chargeId && extra.linkId
      ? `setTimeout(function () { location.reload(); }, 2000);`
      : '';
  return shell(nonce, title, body, script);
}
