import type { PayScene } from './pay-types.js';

/**
 * The platform's cashier pages, where the document sends the payer:
 * `<site>/pay.html#/?domainCode=...&sign=...` (PC) and `<site>/mpay.html#/?...` (H5). The
 * signed order travels in the fragment, so the server never sees it: the page reads it
 * and drives the REST API the way the document's own page does (its jQuery samples):
 * - lists the domain's pay types (`pay/api/<scene>/pay-types`); a payTypeCode the
 *   merchant already chose starts at once;
 * - posts the order with the chosen payTypeCode (`pay/api/<scene>/pay`);
 * - PC WeChat: shows the QR code and polls `wechatQuery` every 2 s: "0" goes to
 *   dialogOkUrl, "30000" polls on, anything else goes to dialogFailUrl;
 * - H5 WeChat: inside WeChat without an openid, fetches one first
 *   (`pay/api/h5/openid?domainCode=...&backUrl=...`), then runs getBrandWCPayRequest;
 * - every other pay type: appends the answered form to the page and submits it.
 * URLs are relative, as in the document, so the page works under any base URL.
 * Values read from the URL are only ever shown as text, never as HTML.
 */
export function cashierPageHtml(scene: PayScene): string {
  const title = scene === 'pc' ? '收银台' : '手机收银台';
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font-family: -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; background: #f5f6f8; color: #222; }
  main { max-width: 480px; margin: 0 auto; padding: 24px 16px; }
  .card { background: #fff; border-radius: 8px; padding: 20px; margin-bottom: 16px; }
  .amount { font-size: 28px; font-weight: 600; margin: 8px 0; }
  .types button { display: block; width: 100%; margin: 8px 0; padding: 12px; font-size: 16px; border: 1px solid #ccd; border-radius: 6px; background: #fff; cursor: pointer; }
  .types button:disabled { opacity: .5; cursor: default; }
  #qr img { display: block; width: 220px; height: 220px; margin: 12px auto; }
  #message { color: #c0392b; min-height: 1em; }
  #hint { color: #666; text-align: center; }
</style>
</head>
<body>
<main>
  <div class="card">
    <div id="info"></div>
    <div class="amount" id="amount"></div>
  </div>
  <div class="card types" id="types" data-state="loading">正在加载支付方式…</div>
  <div class="card" id="qr" hidden><img id="qr-image" alt="微信扫码支付"><p id="hint">请使用微信扫一扫完成支付</p></div>
  <p id="message" role="alert"></p>
  <div id="form" hidden></div>
</main>
<script>
(function () {
  'use strict';
  var SCENE = ${JSON.stringify(scene)};
  var API = 'pay/api/' + SCENE + '/';
  var FIELDS = ['domainCode', 'payTypeCode', 'requestChannel', 'money', 'info', 'infoEn', 'requestKey',
    'currencyType', 'pageUrl', 'bgUrl', 'dialogOkUrl', 'dialogFailUrl', 'rate', 'payTypeCodeIn', 'sign'];

  // "#/?a=1&b=2": decoded as the document's router decodes it ("+" stays a plus).
  function readParams() {
    var hash = location.hash;
    var at = hash.indexOf('?');
    var out = {};
    if (at < 0) return out;
    hash.slice(at + 1).split('&').forEach(function (pair) {
      if (!pair) return;
      var eq = pair.indexOf('=');
      var key = eq < 0 ? pair : pair.slice(0, eq);
      var value = eq < 0 ? '' : pair.slice(eq + 1);
      try { out[decodeURIComponent(key)] = decodeURIComponent(value); } catch (e) { out[key] = value; }
    });
    return out;
  }

  var params = readParams();
  var dto = {};
  FIELDS.forEach(function (f) { dto[f] = params[f] === undefined ? '' : params[f]; });
  if (SCENE === 'h5') dto.openid = params.openid || '';

  function $(id) { return document.getElementById(id); }
  function say(text) { $('message').textContent = text; }
  function query(object) {
    return Object.keys(object).map(function (k) {
      return encodeURIComponent(k) + '=' + encodeURIComponent(object[k]);
    }).join('&');
  }
  function go(url) {
    if (!url) return;
    try { (window.parent || window).location.href = url; } catch (e) { location.href = url; }
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
  function isWeixin() { return /MicroMessenger/i.test(navigator.userAgent); }
  // The H5 openid fetch: WeChat authorization, then back here with &openid=... added.
  function fetchOpenid() {
    location.href = API + 'openid?' + query({ domainCode: dto.domainCode, backUrl: location.href });
  }

  $('info').textContent = dto.info || dto.infoEn;
  var minor = Number(dto.money);
  if (dto.money && isFinite(minor)) {
    $('amount').textContent = (dto.currencyType === 'USD' ? '$' : '¥') + (minor / 100).toFixed(2);
  }

  var buttons = [];
  function setBusy(busy) { buttons.forEach(function (b) { b.disabled = busy; }); }

  function showTypes(types) {
    var box = $('types');
    box.textContent = '';
    box.setAttribute('data-state', 'ready');
    types.forEach(function (t) {
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = t.payTypeName;
      button.setAttribute('data-pay-type', t.payTypeCode);
      button.onclick = function () { pay(t.payTypeCode); };
      box.appendChild(button);
      buttons.push(button);
    });
    if (types.length === 0) box.textContent = '暂无可用的支付方式';
    var chosen = types.filter(function (t) { return t.payTypeCode === params.payTypeCode; })[0];
    if (chosen) pay(chosen.payTypeCode);
  }

  function pay(payTypeCode) {
    var order = {};
    Object.keys(dto).forEach(function (k) { order[k] = dto[k]; });
    order.payTypeCode = payTypeCode;
    if (SCENE === 'h5' && payTypeCode === 'Wechat' && !order.openid && isWeixin()) return fetchOpenid();
    say('');
    setBusy(true);
    request('POST', API + 'pay', order, function (answer) {
      if (answer.errcode !== '0') { setBusy(false); say(answer.errormsg); return; }
      if (payTypeCode === 'Wechat' && SCENE === 'pc') showQr(order);
      else if (payTypeCode === 'Wechat') wechatSheet(order, answer.obj);
      else submitForm(answer.obj);
    }, function () { setBusy(false); say('支付失败，请稍后再试！'); });
  }

  var polling = null;
  function showQr(order) {
    $('qr').hidden = false;
    $('qr-image').src = API + 'qrcode?' + query(order);
    if (polling) clearTimeout(polling);
    var poll = function () {
      request('GET', API + 'wechatQuery?' + query(order), null, function (answer) {
        if (answer.errcode === '0') return go(order.dialogOkUrl || order.pageUrl);
        if (answer.errcode !== '30000') return go(order.dialogFailUrl || order.pageUrl);
        polling = setTimeout(poll, 2000);
      }, function () { polling = setTimeout(poll, 2000); });
    };
    polling = setTimeout(poll, 2000);
    setBusy(false);
  }

  function wechatSheet(order, jsapi) {
    var run = function () {
      window.WeixinJSBridge.invoke('getBrandWCPayRequest', jsapi, function (res) {
        setBusy(false);
        if (res.err_msg === 'get_brand_wcpay_request:ok') go(order.dialogOkUrl || order.pageUrl);
        else if (res.err_msg === 'get_brand_wcpay_request:fail') say('微信支付失败！');
      });
    };
    if (window.WeixinJSBridge) run();
    else if (isWeixin()) document.addEventListener('WeixinJSBridgeReady', run, false);
    else { setBusy(false); say('请在微信中打开此页面完成支付'); }
  }

  // The form comes from this site's own API (built by the channel or around its pay URL).
  function submitForm(html) {
    var box = $('form');
    box.innerHTML = html;
    var form = box.querySelector('form');
    if (form) form.submit(); else { setBusy(false); say('支付失败，请稍后再试！'); }
  }

  if (!dto.domainCode) { $('types').textContent = ''; say('缺少参数domainCode'); return; }
  // As the document's page: inside WeChat, the payer's openid is fetched before anything else.
  if (SCENE === 'h5' && !dto.openid && isWeixin()) { fetchOpenid(); return; }
  request('GET', API + 'pay-types?' + query({ domainCode: dto.domainCode, paySceneName: SCENE }), null,
    function (answer) {
      if (answer.errcode === '0') showTypes(answer.obj || []);
      else { $('types').textContent = ''; say(answer.errormsg); }
    },
    function () { $('types').textContent = ''; say('获取支付方式失败，请稍后再试！'); });
})();
</script>
</body>
</html>
`;
}
