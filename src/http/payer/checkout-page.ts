/**
 * The hosted checkout page of a session or payment link (/checkout/<id>): the amount (or an
 * entry field within the link's bounds), the merchant's description and one button per
 * allowed method in its colours. PC: WeChat shows a QR code with live status (polled every
 * 2 s), Alipay, UnionPay and PayPal hand the browser to the provider. Phone: picked by user
 * agent: inside WeChat only WeChat Pay, by JSAPI with the openid the page learned through
 * WeChat's web authorization (the page then carries it sealed); inside Alipay only Alipay
 * (wap); elsewhere Alipay wap or WeChat H5. No framework; script and style run under the
 * response's CSP nonce. zh-CN or en-US (payer-text.ts) with a visible switch.
 */
import { escapeHtml as esc } from '../../domain/html.js';
import { scriptJson } from '../html.js';
import { LANG_SWITCH_STYLE, type PageLang, PAYER_TEXT, type PayerText, langSwitch } from './payer-text.js';

export type CheckoutState = 'open' | 'paid' | 'expired' | 'failed' | 'processing' | 'succeeded';

const BADGES: Record<string, Record<PageLang, string>> = {
  wechatpay: { 'zh-CN': '微', 'en-US': 'W' },
  alipay: { 'zh-CN': '支', 'en-US': 'A' },
  unionpay: { 'zh-CN': '银', 'en-US': 'U' },
  paypal: { 'zh-CN': 'P', 'en-US': 'P' },
};
const methodName = (t: PayerText, m: string) =>
  m === 'unionpay' ? t.unionpayWeb : m === 'wechatpay' || m === 'alipay' || m === 'paypal' ? t[m] : m;

const STYLE = `
  * { box-sizing: border-box; } [hidden] { display: none !important; }
  body { margin: 0; font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; background: #f2f3f5; color: #1f2329; position: relative; }
  header { background: #fff; border-bottom: 1px solid #e5e6eb; padding: 14px 16px; text-align: center; font-weight: 600; }
  main { max-width: 480px; margin: 0 auto; padding: 16px; }
  .card { background: #fff; border-radius: 12px; padding: 20px 16px; margin-bottom: 12px; }
  .summary { text-align: center; } #description { color: #5c6370; word-break: break-all; }
  .amount { font-size: 40px; font-weight: 700; margin: 8px 0 0; } .amount small { font-size: 22px; margin-right: 2px; }
  label { display: block; color: #5c6370; font-size: 14px; margin-top: 8px; }
  #amount-input { width: 100%; font: inherit; font-size: 32px; font-weight: 700; text-align: center; border: 0; border-bottom: 1px solid #e5e6eb; padding: 8px 0; }
  #amount-input:focus-visible { outline: 2px solid #1677ff; }
  .bounds { color: #5c6370; font-size: 13px; }
  .methods h2 { font-size: 14px; color: #5c6370; font-weight: 400; margin: 0 0 4px; }
  .methods button { display: flex; align-items: center; width: 100%; min-height: 56px; padding: 10px 4px; font: inherit; font-size: 17px; color: #1f2329; border: 0; border-bottom: 1px solid #e5e6eb; background: #fff; cursor: pointer; text-align: left; }
  .methods button:last-child { border-bottom: 0; } .methods button:disabled { opacity: .55; }
  .methods button:focus-visible { outline: 3px solid #1677ff; outline-offset: 2px; }
  .badge { flex: none; width: 32px; height: 32px; border-radius: 8px; margin-right: 12px; color: #fff; font-weight: 700; line-height: 32px; text-align: center; }
  .m-wechatpay { background: #07a35a; } .m-alipay { background: #1677ff; } .m-unionpay { background: #d7000f; } .m-paypal { background: #003087; }
  #qr { text-align: center; } #qr img { width: 220px; height: 220px; border: 8px solid #fff; outline: 1px solid #e5e6eb; }
  #qr p { color: #067d45; font-weight: 600; }
  #message { color: #b42318; min-height: 1.4em; text-align: center; }
  .state { text-align: center; padding: 32px 16px; } .state h1 { font-size: 20px; margin: 0 0 8px; } .state p { color: #5c6370; }
  .mark { width: 64px; height: 64px; margin: 0 auto 12px; border-radius: 50%; color: #fff; font-size: 36px; line-height: 64px; background: #6b7280; }
  .ok .mark { background: #07a35a; } .bad .mark { background: #b42318; }
  .state a { display: block; max-width: 280px; margin: 16px auto 0; padding: 12px; border-radius: 8px; background: #1677ff; color: #fff; text-decoration: none; }
  #cancel { display: block; text-align: center; color: #5c6370; margin-top: 8px; }
  ${LANG_SWITCH_STYLE}
`;

function shell(lang: PageLang, nonce: string, title: string, switchHref: string, body: string, script = '') {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>${esc(title)}</header>
${langSwitch(PAYER_TEXT[lang], switchHref)}
${body}
${script ? `<script nonce="${nonce}">${script}</script>` : ''}
</body>
</html>
`;
}

export interface CheckoutView {
  lang: PageLang;
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
  /** Inside WeChat: the payer's openid, sealed; the page pays WeChat by JSAPI with it. */
  payer?: string;
}

const symbol = (currency: string) => (currency === 'USD' ? 'US$' : '¥');
/** Minor units as text, never through a float. */
export function major(minor: number): string {
  const s = String(minor).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

export function checkoutPage(view: CheckoutView, nonce: string): string {
  const t = PAYER_TEXT[view.lang];
  const amount =
    view.amount !== null
      ? `<div class="amount" id="amount"><small>${symbol(view.currency)}</small>${major(view.amount)}</div>`
      : `<label for="amount-input">${t.amount} (${view.currency})</label>
    <input id="amount-input" inputmode="decimal" autocomplete="off" placeholder="0.00" aria-describedby="bounds">
    <div class="bounds" id="bounds">${symbol(view.currency)}${major(view.minAmount!)} – ${symbol(view.currency)}${major(view.maxAmount!)}</div>`;
  const buttons = view.methods
    .map((m) => {
      const badge = BADGES[m]?.[view.lang] ?? m.charAt(0);
      return `<button type="button" data-method="${esc(m)}"><span class="badge m-${esc(m)}" aria-hidden="true">${badge}</span>${esc(methodName(t, m))}</button>`;
    })
    .join('');
  const body = `<main>
  <section class="card summary"><div id="description">${esc(view.description)}</div>${amount}</section>
  <section class="card methods" id="methods" aria-labelledby="methods-title"><h2 id="methods-title">${t.chooseMethod}</h2>${buttons}</section>
  <section class="card" id="qr" hidden><img id="qr-image" alt="${t.qrAlt}"><p>${t.scanWechat}</p></section>
  <p id="message" role="alert"></p>
  ${view.cancelUrl ? `<a id="cancel" href="${esc(view.cancelUrl)}">${t.cancel}</a>` : ''}
  <div id="form" hidden></div>
</main>`;
  const script = `(function () {
  'use strict';
  var ID = ${scriptJson(view.id)};
  var SCENE = ${scriptJson(view.scene)};
  var PAYER = ${scriptJson(view.payer ?? null)};
  var FIXED = ${view.amount !== null};
  var T = ${scriptJson({ orderFailed: t.orderFailed, wechatFailed: t.wechatFailed, networkError: t.networkError })};
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
    xhr.onerror = function () { done(0, { message: T.networkError }); };
    xhr.send(body ? JSON.stringify(body) : null);
  }
  function result(charge) { location.href = '/checkout/' + ID + '/result?charge=' + encodeURIComponent(charge); }
  function poll(charge) {
    request('GET', '/checkout/' + ID + '/status?charge=' + encodeURIComponent(charge), null, function (status, answer) {
      if (answer.status === 'succeeded' || answer.status === 'failed' || answer.status === 'closed') return result(charge);
      setTimeout(function () { poll(charge); }, 2000);
    });
  }
  function jsapi(answer) {
    var run = function () {
      window.WeixinJSBridge.invoke('getBrandWCPayRequest', answer.jsapi, function (res) {
        if (res.err_msg === 'get_brand_wcpay_request:ok') return result(answer.charge);
        busy(false);
        if (res.err_msg !== 'get_brand_wcpay_request:cancel') say(T.wechatFailed);
      });
    };
    if (window.WeixinJSBridge) run(); else document.addEventListener('WeixinJSBridgeReady', run, false);
  }
  function pay(method) {
    var input = document.getElementById('amount-input');
    say('');
    busy(true);
    var body = { method: method, scene: SCENE, amount: input ? input.value : undefined };
    if (method === 'wechatpay' && PAYER) body.payer = PAYER;
    request('POST', '/checkout/' + ID + '/pay', body, function (status, answer) {
        if (status !== 200) { busy(false); say(answer.message || T.orderFailed); return; }
        if (answer.jsapi) {
          jsapi(answer);
        } else if (answer.qr) {
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
        } else { busy(false); say(T.orderFailed); }
      });
  }
  buttons.forEach(function (b) { b.addEventListener('click', function () { pay(b.getAttribute('data-method')); }); });
  // A refused amount's message goes away once the payer edits it.
  var entry = document.getElementById('amount-input');
  if (entry) entry.addEventListener('input', function () { say(''); });
  if (SCENE === 'h5' && only && FIXED && buttons.some(function (b) { return b.getAttribute('data-method') === only; })) pay(only);
})();`;
  return shell(view.lang, nonce, t.checkout, `/checkout/${view.id}`, body, script);
}

/** A whole page for a link that cannot be paid, or a payment's outcome. */
export function checkoutStatePage(
  lang: PageLang,
  state: Exclude<CheckoutState, 'open'>,
  nonce: string,
  extra: { link?: string; linkText?: string; switchHref: string },
): string {
  const t = PAYER_TEXT[lang];
  const [title, text, tone] = {
    paid: [t.paidTitle, t.paidText, 'ok'],
    succeeded: [t.succeededTitle, t.succeededText, 'ok'],
    expired: [t.expiredTitle, t.expiredText, ''],
    failed: [t.failedTitle, t.failedText, 'bad'],
    processing: [t.processingTitle, t.processingText, ''],
  }[state];
  const body = `<main><section class="card state ${tone}" id="state" data-state="${state}" role="status">
  <div class="mark" aria-hidden="true">${tone === 'ok' ? '✓' : tone === 'bad' ? '×' : '!'}</div>
  <h1>${title}</h1><p>${text}</p>
  ${extra.link ? `<a id="state-link" href="${esc(extra.link)}">${esc(extra.linkText ?? t.back)}</a>` : ''}
</section></main>`;
  // Processing: look again every 2 s until the provider's answer is in.
  const script = state === 'processing' ? `setTimeout(function () { location.reload(); }, 2000);` : '';
  return shell(lang, nonce, title, extra.switchHref, body, script);
}

/** No such link: a page in the payer's language. */
export function noSuchLinkPage(lang: PageLang, nonce: string, switchHref: string): string {
  const t = PAYER_TEXT[lang];
  return shell(
    lang,
    nonce,
    t.noSuchLink,
    switchHref,
    `<main><section class="card state bad" id="state" data-state="missing" role="alert"><h1>${t.noSuchLink}</h1><p>${t.noSuchLinkText}</p></section></main>`,
  );
}
