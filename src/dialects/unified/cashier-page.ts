import type { PayScene } from './pay-types.js';
import { type PageLang, PAGE_TEXT } from './cashier-text.js';

/**
 * The platform's cashier pages, where the document sends the payer:
 * `<site>/pay.html#/?domainCode=...&sign=...` (PC) and `<site>/mpay.html#/?...` (H5). The
 * signed order travels in the fragment, so the server never sees it: the page reads it
 * and drives the REST API the way the document's own page does (its jQuery samples):
 * - first asks `pc/wechatQuery` with the signed order: a tampered link (签名错误) or an
 *   order already paid gets its own clear page before any pay button shows;
 * - lists the domain's pay types (`pay/api/<scene>/pay-types`); a payTypeCode the
 *   merchant already chose starts at once, and so does the only way to pay inside the
 *   payer's app (WeChat inside WeChat, Alipay inside Alipay);
 * - posts the order with the chosen payTypeCode (`pay/api/<scene>/pay`);
 * - PC WeChat: shows the QR code and polls `wechatQuery` every 2 s: "0" goes to
 *   dialogOkUrl, "30000" polls on, anything else goes to dialogFailUrl (or, without one,
 *   a page saying the code expired);
 * - H5 WeChat: inside WeChat without an openid, fetches one first
 *   (`pay/api/h5/openid?domainCode=...&backUrl=...`), then runs getBrandWCPayRequest;
 * - every other pay type: appends the answered form to the page and submits it.
 * Many merchants build the entry URL with form encoding (Java's URLEncoder writes a space
 * as "+"), so "+" reads as a space: otherwise the values differ from what they signed.
 * URLs are relative, as in the document, so the page works under any base URL.
 * Values read from the URL are only ever shown as text, never as HTML. Script and style
 * carry the response's CSP nonce: nothing else inline runs.
 */
export function cashierPageHtml(scene: PayScene, lang: PageLang, nonce: string): string {
  const t = PAGE_TEXT[lang];
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${scene === 'pc' ? t.titlePc : t.titleH5}</title>
<style nonce="${nonce}">
  :root { --ink: #1f2329; --muted: #5c6370; --line: #e5e6eb; --bg: #f2f3f5; --brand: #1677ff; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { font-family: -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 0; background: var(--bg); color: var(--ink); }
  header { background: #fff; border-bottom: 1px solid var(--line); padding: 12px 16px; font-size: 17px; font-weight: 600; text-align: center; }
  main { max-width: 480px; margin: 0 auto; padding: 16px; }
  .card { background: #fff; border-radius: 12px; padding: 20px 16px; margin-bottom: 12px; }
  .summary { text-align: center; }
  #info { color: var(--muted); font-size: 15px; word-break: break-all; }
  .amount { font-size: 40px; font-weight: 700; margin: 8px 0 4px; letter-spacing: .5px; }
  .amount small { font-size: 22px; margin-right: 2px; }
  #order { color: var(--muted); font-size: 12px; }
  .types h2 { font-size: 14px; color: var(--muted); font-weight: 400; margin: 0 0 8px; }
  .types button { display: flex; align-items: center; width: 100%; min-height: 56px; margin: 0; padding: 10px 4px; font: inherit; font-size: 17px; color: var(--ink); border: 0; border-bottom: 1px solid var(--line); background: #fff; cursor: pointer; text-align: left; }
  .types button:last-of-type { border-bottom: 0; }
  .types button:focus-visible { outline: 3px solid var(--brand); outline-offset: 2px; }
  .types button:disabled { opacity: .55; cursor: default; }
  .types .badge { flex: none; width: 32px; height: 32px; border-radius: 8px; margin-right: 12px; color: #fff; font-size: 16px; font-weight: 700; line-height: 32px; text-align: center; }
  .types .note { margin-left: auto; color: var(--muted); font-size: 13px; }
  .Wechat .badge { background: #07c160; } .Alipay .badge { background: #1677ff; }
  .ChinapayOld .badge { background: #d7000f; } .Paypal .badge { background: #003087; }
  #qr { text-align: center; }
  #qr img { display: block; width: 220px; height: 220px; margin: 8px auto; border: 8px solid #fff; outline: 1px solid var(--line); }
  #qr p { color: var(--muted); margin: 4px 0; }
  #qr .scan { color: #07c160; font-weight: 600; }
  #message { color: #b42318; min-height: 1.4em; text-align: center; }
  #state { text-align: center; padding: 32px 16px; }
  #state .mark { width: 64px; height: 64px; margin: 0 auto 12px; border-radius: 50%; color: #fff; font-size: 36px; line-height: 64px; }
  #state[data-state="paid"] .mark { background: #07c160; }
  #state[data-state="tampered"] .mark, #state[data-state="failed"] .mark { background: #b42318; }
  #state[data-state="expired"] .mark { background: #8a8f99; }
  #state h1 { font-size: 20px; margin: 0 0 8px; }
  #state p { color: var(--muted); margin: 0 0 16px; }
  #state a, #state button { display: block; margin: 8px auto 0; width: 100%; max-width: 280px; padding: 12px 20px; border: 0; border-radius: 8px; background: var(--brand); color: #fff; font: inherit; text-decoration: none; cursor: pointer; }
  footer { color: var(--muted); text-align: center; font-size: 12px; padding: 8px 0 24px; }
  @media (min-width: 720px) { main { max-width: 560px; padding-top: 32px; } }
</style>
</head>
<body>
<header>${scene === 'pc' ? t.titlePc : t.titleH5}</header>
<main>
  <section class="card summary" aria-live="polite">
    <div id="info"></div>
    <div class="amount" id="amount"></div>
    <div id="order"></div>
  </section>
  <section class="card types" id="types" data-state="loading" aria-label="${t.choose}">${t.loading}</section>
  <section class="card" id="qr" hidden>
    <img id="qr-image" alt="${t.qrAlt}">
    <p class="scan">${t.scanWechat}</p>
    <p>${t.qrPolling}</p>
  </section>
  <section class="card" id="state" hidden role="status">
    <div class="mark" aria-hidden="true"></div>
    <h1 id="state-title"></h1>
    <p id="state-text"></p>
    <a id="state-link" hidden></a>
    <button type="button" id="state-retry" hidden>${t.retry}</button>
  </section>
  <p id="message" role="alert"></p>
  <div id="form" hidden></div>
</main>
<footer>${t.footer}</footer>
<script nonce="${nonce}">
(function () {
  'use strict';
  var SCENE = ${JSON.stringify(scene)};
  var T = ${JSON.stringify(t)};
  var API = 'pay/api/' + SCENE + '/';
  var FIELDS = ['domainCode', 'payTypeCode', 'requestChannel', 'money', 'info', 'infoEn', 'requestKey',
    'currencyType', 'pageUrl', 'bgUrl', 'dialogOkUrl', 'dialogFailUrl', 'rate', 'payTypeCodeIn', 'sign'];
  var BADGE = { Wechat: T.badgeWechat, Alipay: T.badgeAlipay, ChinapayOld: T.badgeUnionpay, Paypal: 'P' };

  // "#/?a=1&b=2", form-decoded: "+" is a space, as URLEncoder-built links mean it.
  function readParams() {
    var hash = location.hash;
    var at = hash.indexOf('?');
    var out = {};
    if (at < 0) return out;
    hash.slice(at + 1).split('&').forEach(function (pair) {
      if (!pair) return;
      var eq = pair.indexOf('=');
      var key = (eq < 0 ? pair : pair.slice(0, eq)).replace(/\\+/g, ' ');
      var value = (eq < 0 ? '' : pair.slice(eq + 1)).replace(/\\+/g, ' ');
      try { out[decodeURIComponent(key)] = decodeURIComponent(value); } catch (e) { out[key] = value; }
    });
    return out;
  }

  var params = readParams();
  var dto = {};
  FIELDS.forEach(function (f) { dto[f] = params[f] === undefined ? '' : params[f]; });
  if (SCENE === 'h5') dto.openid = params.openid || '';
  var ua = navigator.userAgent;
  var inWechat = /MicroMessenger/i.test(ua);
  var inAlipay = /AlipayClient/i.test(ua);

  function $(id) { return document.getElementById(id); }
  function say(text) { $('message').textContent = text; }
  function query(object) {
    return Object.keys(object).map(function (k) {
      return encodeURIComponent(k) + '=' + encodeURIComponent(object[k]);
    }).join('&');
  }
  function go(url) {
    if (!url) return false;
    try { (window.parent || window).location.href = url; } catch (e) { location.href = url; }
    return true;
  }
  function request(method, url, body, done, failed) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('Content-Type', 'application/json;charset=utf-8');
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status === 200 && answer) done(answer); else failed();
    };
    xhr.onerror = failed;
    xhr.send(body === null ? null : JSON.stringify(body));
  }
  // Minor units as text, never through a float: "1" -> "0.01".
  function major(minor) {
    var s = String(minor).replace(/^0+/, '');
    while (s.length < 3) s = '0' + s;
    return s.slice(0, -2) + '.' + s.slice(-2);
  }
  // A whole page for a link that cannot be paid (or is paid): nothing else to press.
  function showState(state, title, text, link, linkText) {
    ['types', 'qr'].forEach(function (id) { $(id).hidden = true; });
    // A tampered link's amount is not what the merchant asked for: do not show it.
    if (state === 'tampered') $('amount').textContent = '';
    say('');
    var box = $('state');
    box.hidden = false;
    box.setAttribute('data-state', state);
    box.querySelector('.mark').textContent = state === 'paid' ? '\\u2713' : state === 'expired' ? '!' : '\\u00d7';
    $('state-title').textContent = title;
    $('state-text').textContent = text;
    var a = $('state-link');
    a.hidden = !link;
    if (link) { a.href = link; a.textContent = linkText; }
  }
  // The H5 openid fetch: WeChat authorization, then back here with &openid=... added.
  function fetchOpenid() {
    location.href = API + 'openid?' + query({ domainCode: dto.domainCode, backUrl: location.href });
  }

  $('info').textContent = dto.info && (T.lang === 'zh-CN' || !dto.infoEn) ? dto.info : dto.infoEn;
  if (/^\\d{1,15}$/.test(dto.money)) {
    $('amount').innerHTML = '';
    var symbol = document.createElement('small');
    symbol.textContent = dto.currencyType === 'USD' ? 'US$' : '\\u00a5';
    $('amount').appendChild(symbol);
    $('amount').appendChild(document.createTextNode(major(dto.money)));
  }
  if (dto.requestKey) $('order').textContent = T.orderNo + ' ' + dto.requestKey;

  var buttons = [];
  function setBusy(busy) { buttons.forEach(function (b) { b.disabled = busy; }); }

  function showTypes(types) {
    // Inside WeChat only WeChat Pay opens (Alipay's pages are blocked there); inside Alipay, Alipay.
    if (SCENE === 'h5' && inWechat) types = types.filter(function (t) { return t.payTypeCode === 'Wechat'; });
    if (SCENE === 'h5' && inAlipay) types = types.filter(function (t) { return t.payTypeCode === 'Alipay'; });
    var box = $('types');
    box.textContent = '';
    box.setAttribute('data-state', 'ready');
    var heading = document.createElement('h2');
    heading.textContent = T.choose;
    box.appendChild(heading);
    types.forEach(function (t) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = t.payTypeCode;
      button.setAttribute('data-pay-type', t.payTypeCode);
      var badge = document.createElement('span');
      badge.className = 'badge';
      badge.setAttribute('aria-hidden', 'true');
      badge.textContent = BADGE[t.payTypeCode] || t.payTypeCode.charAt(0);
      button.appendChild(badge);
      button.appendChild(document.createTextNode(T.lang === 'zh-CN' ? t.payTypeName : t.payTypeNameEn));
      if (t.currencyType !== (dto.currencyType || 'CNY') && dto.rate) {
        var note = document.createElement('span');
        note.className = 'note';
        note.textContent = T.payIn + ' ' + t.currencyType + ' \\u00b7 ' + T.rate + ' ' + dto.rate;
        button.appendChild(note);
      }
      button.onclick = function () { pay(t.payTypeCode); };
      box.appendChild(button);
      buttons.push(button);
    });
    if (types.length === 0) {
      var none = document.createElement('p');
      none.textContent = inWechat || inAlipay ? T.noneInApp : T.none;
      box.appendChild(none);
    }
    var chosen = types.filter(function (t) { return t.payTypeCode === params.payTypeCode; })[0];
    if (!chosen && SCENE === 'h5' && (inWechat || inAlipay) && types.length === 1) chosen = types[0];
    if (chosen) pay(chosen.payTypeCode);
  }

  function refused(answer) {
    if (answer.errcode === '10010') {
      showState('tampered', T.tamperedTitle, T.tamperedText, dto.dialogFailUrl || dto.pageUrl, T.back);
      return true;
    }
    if (answer.errcode === '20002' || (answer.errcode === '20001' && /already paid/.test(answer.errormsg))) {
      showState('paid', T.paidTitle, T.paidText, dto.dialogOkUrl || dto.pageUrl, T.continue);
      return true;
    }
    return false;
  }

  function pay(payTypeCode) {
    var order = {};
    Object.keys(dto).forEach(function (k) { order[k] = dto[k]; });
    order.payTypeCode = payTypeCode;
    if (SCENE === 'h5' && payTypeCode === 'Wechat' && !order.openid && inWechat) return fetchOpenid();
    say('');
    setBusy(true);
    request('POST', API + 'pay', order, function (answer) {
      if (answer.errcode !== '0') { setBusy(false); if (!refused(answer)) say(answer.errormsg); return; }
      if (payTypeCode === 'Wechat' && SCENE === 'pc') showQr(order);
      else if (payTypeCode === 'Wechat') wechatSheet(order, answer.obj);
      else submitForm(answer.obj);
    }, function () { setBusy(false); say(T.payFailed); });
  }

  var polling = null;
  function showQr(order) {
    $('qr').hidden = false;
    $('qr-image').src = API + 'qrcode?' + query(order);
    if (polling) clearTimeout(polling);
    var poll = function () {
      request('GET', 'pay/api/pc/wechatQuery?' + query(order), null, function (answer) {
        if (answer.errcode === '0') {
          if (!go(order.dialogOkUrl || order.pageUrl)) showState('paid', T.paidTitle, T.paidText, '', '');
          return;
        }
        if (answer.errcode === '30000') { polling = setTimeout(poll, 2000); return; }
        if (go(order.dialogFailUrl || order.pageUrl)) return;
        showState('expired', T.expiredTitle, T.expiredText, '', '');
        $('state-retry').hidden = false;
      }, function () { polling = setTimeout(poll, 2000); });
    };
    polling = setTimeout(poll, 2000);
    setBusy(false);
  }
  $('state-retry').onclick = function () { location.reload(); };

  function wechatSheet(order, jsapi) {
    var run = function () {
      window.WeixinJSBridge.invoke('getBrandWCPayRequest', jsapi, function (res) {
        setBusy(false);
        if (res.err_msg === 'get_brand_wcpay_request:ok') {
          if (!go(order.dialogOkUrl || order.pageUrl)) showState('paid', T.paidTitle, T.paidText, '', '');
        } else if (res.err_msg === 'get_brand_wcpay_request:fail') say(T.wechatFailed);
      });
    };
    if (window.WeixinJSBridge) run();
    else if (inWechat) document.addEventListener('WeixinJSBridgeReady', run, false);
    else { setBusy(false); say(T.openInWechat); }
  }

  // The form comes from this site's own API (built by the channel or around its pay URL).
  function submitForm(html) {
    var box = $('form');
    box.innerHTML = html;
    var form = box.querySelector('form');
    if (form) form.submit(); else { setBusy(false); say(T.payFailed); }
  }

  function start() {
    request('GET', API + 'pay-types?' + query({ domainCode: dto.domainCode, paySceneName: SCENE }), null,
      function (answer) {
        if (answer.errcode === '0') showTypes(answer.obj || []);
        else { $('types').textContent = ''; say(answer.errormsg); }
      },
      function () { $('types').textContent = ''; say(T.typesFailed); });
  }

  if (!dto.domainCode) { $('types').textContent = ''; say(T.missing + ' domainCode'); return; }
  // As the document's page: inside WeChat, the payer's openid is fetched before anything else.
  if (SCENE === 'h5' && !dto.openid && inWechat) { fetchOpenid(); return; }
  // The signed order's state first: a tampered or already-paid link gets its own page.
  request('GET', 'pay/api/pc/wechatQuery?' + query(dto), null, function (answer) {
    if (answer.errcode === '0') showState('paid', T.paidTitle, T.paidText, dto.dialogOkUrl || dto.pageUrl, T.continue);
    else if (!refused(answer)) start();
  }, start);
})();
</script>
</body>
</html>
`;
}
