/**
 * The pages a payer sees after scanning a store's aggregated QR code (一码付): the amount
 * keypad inside WeChat or Alipay, and a page for any other scanner saying which apps can
 * pay. No framework: one small HTML file each, script and style under the response's CSP
 * nonce; values from the server are escaped, the payer's input only ever read as text.
 */
export type QrApp = 'wechatpay' | 'alipay';

const esc = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
  * { box-sizing: border-box; } [hidden] { display: none !important; }
  body { margin: 0; font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; background: #f2f3f5; color: #1f2329; }
  header { padding: 24px 16px 12px; text-align: center; }
  header .logo { width: 56px; height: 56px; margin: 0 auto 8px; border-radius: 14px; color: #fff; font-size: 28px; line-height: 56px; font-weight: 700; }
  header h1 { font-size: 18px; margin: 0; } header p { margin: 4px 0 0; color: #5c6370; font-size: 13px; }
  main { max-width: 480px; margin: 0 auto; padding: 0 16px 16px; }
  .card { background: #fff; border-radius: 12px; padding: 16px; margin-bottom: 12px; }
  label { display: block; color: #5c6370; font-size: 14px; margin-bottom: 6px; }
  .amount { display: flex; align-items: baseline; border-bottom: 1px solid #e5e6eb; padding: 4px 0 8px; min-height: 64px; }
  .amount span { font-size: 28px; font-weight: 600; margin-right: 4px; }
  .amount output { font-size: 44px; font-weight: 700; letter-spacing: .5px; }
  .amount output:empty::before { content: attr(data-placeholder); color: #c2c5cc; font-weight: 400; font-size: 24px; }
  input[type=text] { width: 100%; border: 0; border-bottom: 1px solid #e5e6eb; padding: 10px 0; font: inherit; font-size: 15px; }
  #message { color: #b42318; min-height: 1.4em; text-align: center; }
  .keypad { position: fixed; left: 0; right: 0; bottom: 0; display: grid; grid-template-columns: repeat(3, 1fr) 1.2fr; gap: 1px; background: #e5e6eb; }
  .keypad button { border: 0; background: #fff; font: inherit; font-size: 24px; padding: 16px 0; color: #1f2329; }
  .keypad button:active { background: #e8e9eb; }
  .keypad button:focus-visible { outline: 3px solid #1677ff; outline-offset: -3px; }
  .keypad .pay { grid-column: 4; grid-row: 2 / span 3; color: #fff; font-size: 20px; font-weight: 600; }
  .keypad .pay:disabled { opacity: .5; }
  .keypad .del { grid-column: 4; grid-row: 1; font-size: 18px; }
  .wechatpay .logo, .wechatpay .pay { background: #07c160; } .alipay .logo, .alipay .pay { background: #1677ff; }
  .done { text-align: center; padding: 32px 16px; } .done .mark { width: 64px; height: 64px; margin: 0 auto 12px; border-radius: 50%; background: #07c160; color: #fff; font-size: 36px; line-height: 64px; }
  .apps { display: flex; justify-content: center; gap: 24px; margin: 16px 0; } .apps div { text-align: center; font-size: 14px; }
  .apps b { display: block; width: 48px; height: 48px; margin: 0 auto 6px; border-radius: 12px; color: #fff; line-height: 48px; font-size: 22px; }
  .spacer { height: 280px; } .gap { margin-top: 12px; }
`;

function shell(nonce: string, title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
${body}
${script ? `<script nonce="${nonce}">${script}</script>` : ''}
</body>
</html>
`;
}

export interface KeypadView {
  app: QrApp;
  storeName: string;
  label: string | null;
  /** The sealed payer token the pay request carries back. */
  payer: string;
  payUrl: string;
}

/** The amount keypad: the payer types the amount and an optional remark, then pays in their app. */
export function keypadPage(view: KeypadView, nonce: string): string {
  const appName = view.app === 'wechatpay' ? '微信支付' : '支付宝';
  const body = `<div class="${view.app}">
<header>
  <div class="logo" aria-hidden="true">${esc(view.storeName.slice(0, 1))}</div>
  <h1 id="store">${esc(view.storeName)}</h1>
  <p>${view.label ? `${esc(view.label)} · ` : ''}${appName}</p>
</header>
<main id="form">
  <section class="card">
    <label for="amount">付款金额</label>
    <div class="amount"><span>¥</span><output id="amount" data-placeholder="请输入金额" aria-live="polite"></output></div>
    <label for="remark" class="gap">备注（选填）</label>
    <input type="text" id="remark" maxlength="100" placeholder="添加备注" autocomplete="off">
  </section>
  <p id="message" role="alert"></p>
  <div class="spacer"></div>
</main>
<main id="done" hidden><section class="card done" role="status"><div class="mark" aria-hidden="true">✓</div><h1>支付成功</h1><p id="paid-amount"></p></section></main>
<div class="keypad" id="keypad" role="group" aria-label="金额键盘">
  ${['1', '2', '3', '4', '5', '6', '7', '8', '9', '.', '0', '00']
    .map((k) => `<button type="button" data-key="${k}" aria-label="${k}">${k}</button>`)
    .join('')}
  <button type="button" class="del" data-key="del" aria-label="删除">删除</button>
  <button type="button" class="pay" id="pay" disabled>付款</button>
</div>
</div>`;
  const script = `(function () {
  'use strict';
  var PAYER = ${JSON.stringify(view.payer)};
  var PAY_URL = ${JSON.stringify(view.payUrl)};
  var APP = ${JSON.stringify(view.app)};
  var text = '';
  var out = document.getElementById('amount');
  var payButton = document.getElementById('pay');
  function say(m) { document.getElementById('message').textContent = m; }
  // Up to 2 decimals, no leading zeros, at most 7 digits of yuan: kept as text, never a float.
  function press(key) {
    var next = key === 'del' ? text.slice(0, -1) : text + key;
    if (next === '.') next = '0.';
    if (key !== 'del' && !/^(0|[1-9]\\d{0,6})(\\.\\d{0,2})?$/.test(next)) return;
    text = next;
    out.textContent = text;
    payButton.disabled = !/[1-9]/.test(text) || /\\.$/.test(text);
  }
  Array.prototype.forEach.call(document.querySelectorAll('[data-key]'), function (b) {
    b.addEventListener('click', function () { press(b.getAttribute('data-key')); });
  });
  function done() {
    document.getElementById('form').hidden = true;
    document.getElementById('keypad').hidden = true;
    document.getElementById('done').hidden = false;
    document.getElementById('paid-amount').textContent = '¥' + text;
  }
  function invoke(answer) {
    if (APP === 'wechatpay') {
      var run = function () {
        window.WeixinJSBridge.invoke('getBrandWCPayRequest', answer.jsapi, function (res) {
          if (res.err_msg === 'get_brand_wcpay_request:ok') done();
          else { payButton.disabled = false; if (res.err_msg !== 'get_brand_wcpay_request:cancel') say('微信支付失败'); }
        });
      };
      if (window.WeixinJSBridge) run(); else document.addEventListener('WeixinJSBridgeReady', run, false);
    } else {
      var call = function () {
        window.AlipayJSBridge.call('tradePay', { tradeNO: answer.tradeNO }, function (res) {
          if (res.resultCode === '9000') done();
          else { payButton.disabled = false; if (res.resultCode !== '6001') say('支付宝支付失败'); }
        });
      };
      if (window.AlipayJSBridge) call(); else document.addEventListener('AlipayJSBridgeReady', call, false);
    }
  }
  payButton.addEventListener('click', function () {
    say('');
    payButton.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', PAY_URL);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status === 200 && answer) invoke(answer);
      else { payButton.disabled = false; say((answer && answer.message) || '下单失败，请稍后再试'); }
    };
    xhr.onerror = function () { payButton.disabled = false; say('网络错误，请稍后再试'); };
    xhr.send(JSON.stringify({ payer: PAYER, amount: text, remark: document.getElementById('remark').value }));
  });
})();`;
  return shell(nonce, view.storeName, body, script);
}

/** Scanned by a camera app or a browser: which apps can pay here. */
export function openInAppPage(storeName: string, apps: readonly QrApp[], nonce: string): string {
  const names: Record<QrApp, [string, string, string]> = {
    wechatpay: ['微', '微信', '#07c160'],
    alipay: ['支', '支付宝', '#1677ff'],
  };
  const body = `<header><h1>${esc(storeName)}</h1><p>请使用以下 App 扫码付款 · Scan with one of these apps to pay</p></header>
<main><section class="card" role="status">
  <div class="apps">${apps
    .map((a) => `<div data-app="${a}"><b class="app-${a}">${names[a][0]}</b>${names[a][1]}</div>`)
    .join('')}</div>
  <p id="hint">当前浏览器无法完成支付。请打开微信或支付宝，使用"扫一扫"扫描收款码。</p>
</section></main>
<style nonce="${nonce}">.app-wechatpay { background: #07c160; } .app-alipay { background: #1677ff; } #hint { color: #5c6370; text-align: center; }</style>`;
  return shell(nonce, storeName, body);
}

/** An unknown code, or a failure the payer can only retry from the start. */
export function problemPage(title: string, text: string, nonce: string): string {
  return shell(
    nonce,
    title,
    `<main><section class="card done" role="alert"><h1>${esc(title)}</h1><p>${esc(text)}</p></section></main>`,
  );
}
