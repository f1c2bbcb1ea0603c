import { escapeHtml as esc } from '../../domain/html.js';
import { formatYuan } from './codec.js';
import type { Trade } from './repository.js';

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · 支付宝沙箱</title>
<style>
body{font-family:system-ui,-apple-system,"PingFang SC",sans-serif;background:#f5f5f5;margin:0;color:#333}
header{background:#1677ff;color:#fff;padding:12px 20px;font-weight:600}
main{max-width:420px;margin:24px auto;background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 3px #0002}
.amount{font-size:32px;font-weight:600;margin:8px 0 16px}
.muted{color:#888;font-size:13px}
form{display:inline-block;margin:16px 8px 0 0}
button{font-size:16px;padding:10px 24px;border-radius:6px;border:1px solid #1677ff;cursor:pointer}
.pay{background:#1677ff;color:#fff}.decline{background:#fff;color:#1677ff}
.status{font-size:18px;font-weight:600}
.qr svg{width:180px;height:180px}
</style></head><body><header>支付宝 · Sandbox</header><main>${body}</main></body></html>`;
}

const STATUS_TEXT: Record<string, string> = {
  WAIT_BUYER_PAY: '等待付款 (WAIT_BUYER_PAY)',
  TRADE_SUCCESS: '支付成功 (TRADE_SUCCESS)',
  TRADE_FINISHED: '交易结束 (TRADE_FINISHED)',
  TRADE_CLOSED: '交易关闭 (TRADE_CLOSED)',
};

/** The payer's cashier: order summary with pay and decline while the trade is open. */
export function cashierPage(trade: Trade, base: string, qrSvg?: string): string {
  const open = trade.status === 'WAIT_BUYER_PAY';
  // Like Alipay's desktop cashier: the same order can be scanned with a phone.
  const scan =
    open && qrSvg
      ? `<div class="qr" title="扫一扫付款">${qrSvg}</div><p class="muted">扫一扫付款 · scan to pay</p>`
      : '';
  const actions = open
    ? `<form method="post" action="${base}/cashier/${trade.tradeNo}/pay"><button class="pay" type="submit">确认付款 Pay</button></form>
<form method="post" action="${base}/cashier/${trade.tradeNo}/decline"><button class="decline" type="submit">取消 Decline</button></form>`
    : `<p class="status" data-status="${trade.status}">${esc(STATUS_TEXT[trade.status] ?? trade.status)}</p>`;
  return layout(
    trade.subject,
    `<p class="muted">${esc(trade.subject)}</p>
<div class="amount">¥${formatYuan(trade.totalAmount)}</div>
<p class="muted">商户订单号 ${esc(trade.outTradeNo)}<br>支付宝交易号 ${trade.tradeNo}</p>
${open ? `<p class="status" data-status="WAIT_BUYER_PAY">${STATUS_TEXT.WAIT_BUYER_PAY}</p>` : ''}
${scan}
${actions}`,
  );
}

/** What the real gateway shows a browser for a bad page-pay request. */
export function errorPage(subCode: string, subMsg: string): string {
  return layout(
    '错误',
    `<p class="status">支付宝沙箱无法处理此请求</p><p>错误代码 <code data-sub-code="${esc(subCode)}">${esc(subCode)}</code></p>
<p class="muted">${esc(subMsg)}</p>`,
  );
}
