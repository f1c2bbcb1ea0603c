/**
 * The pages a payer sees after scanning a store's aggregated QR code (一码付): the amount
 * keypad inside WeChat, Alipay or UnionPay's app, the payment's result, and a page for any
 * other scanner saying which apps can pay. No framework: one small HTML file each (a few
 * KB), script and style under the response's CSP nonce; values from the server are
 * escaped, the payer's input only ever read as text. zh-CN or en-US (payer-text.ts), with
 * a visible switch; on a PC the keypad also takes the keyboard (digits, ".", Backspace,
 * Enter).
 */
import type { QrProvider } from '../../core/store-qr/store-qr-sheet.js';
import { escapeHtml as esc } from '../../domain/html.js';
import { scriptJson } from '../html.js';
import { LANG_SWITCH_STYLE, type PageLang, PAYER_TEXT, langSwitch } from './payer-text.js';

export type QrApp = QrProvider;

const STYLE = `
  * { box-sizing: border-box; } [hidden] { display: none !important; }
  body { margin: 0; font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; background: #f2f3f5; color: #1f2329; position: relative; }
  header { padding: 24px 16px 12px; text-align: center; }
  header .logo { width: 56px; height: 56px; margin: 0 auto 8px; border-radius: 14px; color: #fff; font-size: 28px; line-height: 56px; font-weight: 700; background: #5c6370; }
  header h1 { font-size: 18px; margin: 0; } header p { margin: 4px 0 0; color: #5c6370; font-size: 13px; }
  main { max-width: 480px; margin: 0 auto; padding: 0 16px 16px; }
  .card { background: #fff; border-radius: 12px; padding: 16px; margin-bottom: 12px; }
  label { display: block; color: #5c6370; font-size: 14px; margin-bottom: 6px; }
  .amount { display: flex; align-items: baseline; border-bottom: 1px solid #e5e6eb; padding: 4px 0 8px; min-height: 64px; }
  .amount span { font-size: 28px; font-weight: 600; margin-right: 4px; }
  .amount output { font-size: 44px; font-weight: 700; letter-spacing: .5px; }
  .amount output:empty::before { content: attr(data-placeholder); color: #6b7280; font-weight: 400; font-size: 24px; }
  input[type=text] { width: 100%; border: 0; border-bottom: 1px solid #e5e6eb; padding: 10px 0; font: inherit; font-size: 15px; }
  input[type=text]:focus-visible { outline: 2px solid #1677ff; }
  #message { color: #b42318; min-height: 1.4em; text-align: center; }
  .keypad { position: fixed; left: 0; right: 0; bottom: 0; max-width: 480px; margin: 0 auto; display: grid; grid-template-columns: repeat(3, 1fr) 1.2fr; gap: 1px; background: #e5e6eb; }
  .keypad button { border: 0; background: #fff; font: inherit; font-size: 24px; padding: 16px 0; color: #1f2329; cursor: pointer; }
  .keypad button:active { background: #e8e9eb; }
  .keypad button:focus-visible { outline: 3px solid #1677ff; outline-offset: -3px; }
  .keypad .pay { grid-column: 4; grid-row: 2 / span 3; color: #fff; font-size: 20px; font-weight: 600; }
  .keypad .pay:disabled { opacity: .5; cursor: default; }
  .keypad .del { grid-column: 4; grid-row: 1; font-size: 18px; }
  .wechatpay .logo, .wechatpay .pay { background: #07a35a; } .alipay .logo, .alipay .pay { background: #1677ff; } .unionpay .logo, .unionpay .pay { background: #d7000f; }
  .done { text-align: center; padding: 32px 16px; } .done h1 { font-size: 20px; margin: 0 0 8px; } .done p { color: #5c6370; }
  .mark { width: 64px; height: 64px; margin: 0 auto 12px; border-radius: 50%; background: #8a8f99; color: #fff; font-size: 36px; line-height: 64px; }
  .ok .mark { background: #07a35a; } .bad .mark { background: #b42318; }
  .apps { display: flex; justify-content: center; gap: 24px; margin: 16px 0; } .apps div { text-align: center; font-size: 14px; }
  .apps b { display: block; width: 48px; height: 48px; margin: 0 auto 6px; border-radius: 12px; color: #fff; line-height: 48px; font-size: 22px; }
  .app-wechatpay { background: #07a35a; } .app-alipay { background: #1677ff; } .app-unionpay { background: #d7000f; }
  #hint { color: #5c6370; text-align: center; }
  .spacer { height: 280px; } .gap { margin-top: 12px; }
  ${LANG_SWITCH_STYLE}
`;

const BADGE: Record<QrApp, Record<PageLang, string>> = {
  wechatpay: { 'zh-CN': '微', 'en-US': 'W' },
  alipay: { 'zh-CN': '支', 'en-US': 'A' },
  unionpay: { 'zh-CN': '云', 'en-US': 'U' },
};

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
${langSwitch(PAYER_TEXT[lang], switchHref)}
${body}
${script ? `<script nonce="${nonce}">${script}</script>` : ''}
</body>
</html>
`;
}

export interface KeypadView {
  lang: PageLang;
  app: QrApp;
  storeName: string;
  label: string | null;
  /** The sealed payer token the pay request carries back. */
  payer: string;
  payUrl: string;
  /** The code's own page (/q/<id>): the language switch goes back there. */
  codeUrl: string;
}

/** The amount keypad: the payer types the amount and an optional remark, then pays in their app. */
export function keypadPage(view: KeypadView, nonce: string): string {
  const t = PAYER_TEXT[view.lang];
  const body = `<div class="${view.app}">
<header>
  <div class="logo" aria-hidden="true">${esc(view.storeName.slice(0, 1))}</div>
  <h1 id="store">${esc(view.storeName)}</h1>
  <p>${view.label ? `${esc(view.label)} · ` : ''}${t[view.app]}</p>
</header>
<main id="form">
  <section class="card">
    <label for="amount">${t.amount}</label>
    <div class="amount"><span>¥</span><output id="amount" data-placeholder="${t.amountPlaceholder}" aria-live="polite"></output></div>
    <label for="remark" class="gap">${t.remark}</label>
    <input type="text" id="remark" maxlength="100" placeholder="${t.remarkPlaceholder}" autocomplete="off">
  </section>
  <p id="message" role="alert"></p>
  <div class="spacer"></div>
</main>
<main id="done" hidden><section class="card done ok" role="status"><div class="mark" aria-hidden="true">✓</div><h1>${t.paid}</h1><p id="paid-amount"></p></section></main>
<div class="keypad" id="keypad" role="group" aria-label="${t.keypad}">
  ${['1', '2', '3', '4', '5', '6', '7', '8', '9', '.', '0', '00']
    .map((k) => `<button type="button" data-key="${k}">${k}</button>`)
    .join('')}
  <button type="button" class="del" data-key="del" aria-label="${t.del}">${t.del}</button>
  <button type="button" class="pay" id="pay" disabled>${t.pay}</button>
</div>
<div id="pay-form" hidden></div>
</div>`;
  const script = `(function () {
  'use strict';
  var PAYER = ${scriptJson(view.payer)};
  var PAY_URL = ${scriptJson(view.payUrl)};
  var APP = ${scriptJson(view.app)};
  var T = ${scriptJson({ wechatFailed: t.wechatFailed, alipayFailed: t.alipayFailed, orderFailed: t.orderFailed, networkError: t.networkError })};
  var text = '';
  var out = document.getElementById('amount');
  var payButton = document.getElementById('pay');
  var remark = document.getElementById('remark');
  function say(m) { document.getElementById('message').textContent = m; }
  function ready() { return /[1-9]/.test(text) && !/\\.$/.test(text); }
  // Up to 2 decimals, no leading zeros, at most 7 digits of yuan: kept as text, never a float.
  function press(key) {
    var next = key === 'del' ? text.slice(0, -1) : text + key;
    if (next === '.') next = '0.';
    if (key !== 'del' && !/^(0|[1-9]\\d{0,6})(\\.\\d{0,2})?$/.test(next)) return;
    text = next;
    out.textContent = text;
    payButton.disabled = !ready();
  }
  Array.prototype.forEach.call(document.querySelectorAll('[data-key]'), function (b) {
    b.addEventListener('click', function () { press(b.getAttribute('data-key')); });
  });
  // A PC keyboard types on the keypad too, except while the remark has the focus.
  document.addEventListener('keydown', function (e) {
    if (e.target === remark || e.ctrlKey || e.metaKey || e.altKey) return;
    if (/^[0-9.]$/.test(e.key)) { press(e.key); e.preventDefault(); }
    else if (e.key === 'Backspace') { press('del'); e.preventDefault(); }
    else if (e.key === 'Enter' && !payButton.disabled && e.target.tagName !== 'BUTTON') { payButton.click(); e.preventDefault(); }
  });
  function done() {
    document.getElementById('form').hidden = true;
    document.getElementById('keypad').hidden = true;
    document.getElementById('done').hidden = false;
    document.getElementById('paid-amount').textContent = '¥' + text;
  }
  function invoke(answer) {
    if (APP === 'unionpay') {
      // UnionPay's mobile web payment: the signed front form posts the payer to UnionPay.
      var box = document.getElementById('pay-form');
      box.innerHTML = answer.form;
      box.querySelector('form').submit();
    } else if (APP === 'wechatpay') {
      var run = function () {
        window.WeixinJSBridge.invoke('getBrandWCPayRequest', answer.jsapi, function (res) {
          if (res.err_msg === 'get_brand_wcpay_request:ok') done();
          else { payButton.disabled = false; if (res.err_msg !== 'get_brand_wcpay_request:cancel') say(T.wechatFailed); }
        });
      };
      if (window.WeixinJSBridge) run(); else document.addEventListener('WeixinJSBridgeReady', run, false);
    } else {
      var call = function () {
        window.AlipayJSBridge.call('tradePay', { tradeNO: answer.tradeNO }, function (res) {
          if (res.resultCode === '9000') done();
          else { payButton.disabled = false; if (res.resultCode !== '6001') say(T.alipayFailed); }
        });
      };
      if (window.AlipayJSBridge) call(); else document.addEventListener('AlipayJSBridgeReady', call, false);
    }
  }
  payButton.addEventListener('click', function () {
    if (!ready()) return;
    say('');
    payButton.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', PAY_URL);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status === 200 && answer) invoke(answer);
      else { payButton.disabled = false; say((answer && answer.message) || T.orderFailed); }
    };
    xhr.onerror = function () { payButton.disabled = false; say(T.networkError); };
    xhr.send(JSON.stringify({ payer: PAYER, amount: text, remark: remark.value }));
  });
})();`;
  return shell(view.lang, nonce, view.storeName, view.codeUrl, body, script);
}

/** Scanned by a camera app or a browser (or an app this store does not take): which apps can pay. */
export function openInAppPage(
  lang: PageLang,
  storeName: string,
  apps: readonly QrApp[],
  codeUrl: string,
  nonce: string,
): string {
  const t = PAYER_TEXT[lang];
  const body = `<header><h1>${esc(storeName)}</h1><p>${apps.length ? t.scanWith : ''}</p></header>
<main><section class="card" role="status">
  <div class="apps">${apps
    .map(
      (a) => `<div data-app="${a}"><b class="app-${a}" aria-hidden="true">${BADGE[a][lang]}</b>${t[a]}</div>`,
    )
    .join('')}</div>
  <p id="hint">${apps.length ? t.browserHint : t.noApp}</p>
</section></main>`;
  return shell(lang, nonce, storeName, codeUrl, body);
}

export type QrResultState = 'succeeded' | 'processing' | 'failed';

/** After UnionPay's page: the payment's outcome; while processing it looks again every 2 s. */
export function qrResultPage(
  lang: PageLang,
  state: QrResultState,
  view: { storeName: string; amount: string; codeUrl: string; selfUrl: string },
  nonce: string,
): string {
  const t = PAYER_TEXT[lang];
  const [title, text, tone, mark] = {
    succeeded: [t.paid, `¥${view.amount}`, 'ok', '✓'],
    processing: [t.processingTitle, t.processingText, '', '…'],
    failed: [t.failedTitle, t.failedText, 'bad', '×'],
  }[state];
  const body = `<header><h1>${esc(view.storeName)}</h1></header>
<main><section class="card done ${tone}" id="state" data-state="${state}" role="status">
  <div class="mark" aria-hidden="true">${mark}</div><h1>${title}</h1><p>${esc(text)}</p>
  ${state === 'failed' ? `<p><a id="state-link" href="${esc(view.codeUrl)}">${t.payAgain}</a></p>` : ''}
</section></main>`;
  const script = state === 'processing' ? 'setTimeout(function () { location.reload(); }, 2000);' : '';
  return shell(lang, nonce, title, view.selfUrl, body, script);
}

/** An unknown code, or a failure the payer can only retry from the start. */
export function problemPage(lang: PageLang, title: string, text: string, switchHref: string, nonce: string) {
  return shell(
    lang,
    nonce,
    title,
    switchHref,
    `<main><section class="card done bad" role="alert"><h1>${esc(title)}</h1><p>${esc(text)}</p></section></main>`,
  );
}
