import type { FastifyReply, FastifyRequest } from 'fastify';
import { type PageLang, pickLang } from '../../dialects/unified/cashier-text.js';
import { escapeHtml } from '../../domain/html.js';
import { readCookie } from '../../domain/cookies.js';

export type { PageLang };

/**
 * The payer pages' words (store QR, checkout, their result pages) in the two languages
 * payers read them in. The language is the payer's own choice first (the switch on every
 * page: `?lang=` once, then the `juhe_lang` cookie), else the browser's Accept-Language
 * (zh-CN unless it prefers English, as the unified cashier decides).
 */
const ZH = {
  switchTo: 'English',
  switchLang: 'en-US',
  switchLabel: '切换语言',
  // store QR
  amount: '付款金额',
  amountPlaceholder: '请输入金额',
  remark: '备注（选填）',
  remarkPlaceholder: '添加备注',
  keypad: '金额键盘',
  del: '删除',
  pay: '付款',
  paid: '支付成功',
  wechatpay: '微信支付',
  alipay: '支付宝',
  unionpay: '云闪付',
  paypal: 'PayPal',
  unionpayWeb: '银联在线支付',
  wechatFailed: '微信支付失败',
  alipayFailed: '支付宝支付失败',
  orderFailed: '下单失败，请稍后再试',
  networkError: '网络错误，请稍后再试',
  badAmount: '金额无效',
  scanWith: '请使用以下 App 扫码付款',
  browserHint: '当前浏览器无法完成支付。请打开以下 App，使用"扫一扫"扫描收款码。',
  noApp: '此收款码暂时无法付款，请联系商户。',
  unknownCode: '收款码无效',
  unknownCodeText: '此收款码不存在或已停用。',
  unavailable: '暂不可用',
  authExpired: '授权已失效',
  authExpiredText: '请重新扫码付款。',
  authFailed: '授权失败',
  pageExpired: '页面已过期，请重新扫码',
  // checkout
  checkout: '收银台',
  chooseMethod: '选择支付方式',
  qrAlt: '微信扫码支付二维码',
  scanWechat: '请使用微信扫一扫完成支付',
  cancel: '取消支付，返回商户',
  amountOutside: '金额无效或不在允许范围内 (outside the allowed range)',
  noSuchLink: '链接不存在',
  noSuchLinkText: '此支付链接不存在，请联系商户。',
  paidTitle: '订单已支付',
  paidText: '该订单已完成支付，无需重复支付。',
  succeededTitle: '支付成功',
  succeededText: '感谢您的付款。',
  expiredTitle: '链接已过期',
  expiredText: '该支付链接已失效，请联系商户重新获取。',
  failedTitle: '支付未完成',
  failedText: '支付失败或已关闭，您可以返回重新支付。',
  processingTitle: '支付处理中',
  processingText: '正在确认支付结果，请稍候…',
  back: '返回商户',
  retry: '重新支付',
  payAgain: '重新扫码付款',
};

export type PayerText = typeof ZH;

const EN: PayerText = {
  switchTo: '中文',
  switchLang: 'zh-CN',
  switchLabel: 'Change language',
  amount: 'Amount',
  amountPlaceholder: 'Enter the amount',
  remark: 'Note (optional)',
  remarkPlaceholder: 'Add a note',
  keypad: 'Amount keypad',
  del: 'Delete',
  pay: 'Pay',
  paid: 'Paid',
  wechatpay: 'WeChat Pay',
  alipay: 'Alipay',
  unionpay: 'UnionPay',
  paypal: 'PayPal',
  unionpayWeb: 'UnionPay online',
  wechatFailed: 'WeChat Pay failed',
  alipayFailed: 'Alipay payment failed',
  orderFailed: 'Could not create the order, please try again later',
  networkError: 'Network error, please try again later',
  badAmount: 'Invalid amount',
  scanWith: 'Scan with one of these apps to pay',
  browserHint: 'This browser cannot pay. Open one of these apps and scan the code with it.',
  noApp: 'This code cannot take payments right now. Please ask the merchant.',
  unknownCode: 'Invalid QR code',
  unknownCodeText: 'This QR code does not exist or was disabled.',
  unavailable: 'Temporarily unavailable',
  authExpired: 'Authorization expired',
  authExpiredText: 'Scan the code again to pay.',
  authFailed: 'Authorization failed',
  pageExpired: 'This page expired: scan the code again',
  checkout: 'Checkout',
  chooseMethod: 'Choose how to pay',
  qrAlt: 'WeChat Pay QR code',
  scanWechat: 'Scan with WeChat to pay',
  cancel: 'Cancel and go back to the merchant',
  amountOutside: 'The amount is invalid or outside what this link accepts',
  noSuchLink: 'No such link',
  noSuchLinkText: 'This payment link does not exist. Please ask the merchant.',
  paidTitle: 'Already paid',
  paidText: 'This order is paid. There is nothing more to pay.',
  succeededTitle: 'Payment successful',
  succeededText: 'Thank you for your payment.',
  expiredTitle: 'Link expired',
  expiredText: 'This payment link is no longer valid. Ask the merchant for a new one.',
  failedTitle: 'Not paid',
  failedText: 'The payment failed or was closed. You can go back and pay again.',
  processingTitle: 'Processing',
  processingText: 'Confirming the payment, one moment…',
  back: 'Back to the merchant',
  retry: 'Pay again',
  payAgain: 'Scan to pay again',
};

export const PAYER_TEXT: Record<PageLang, PayerText> = { 'zh-CN': ZH, 'en-US': EN };

const LANG_COOKIE = 'juhe_lang';
const isLang = (v: unknown): v is PageLang => v === 'zh-CN' || v === 'en-US';

/**
 * The payer's language for this request. A `?lang=` (the page's switch) is remembered in a
 * cookie, so the pages after it (the app's authorization round trip, the result page)
 * speak it too.
 */
export function payerLang(request: FastifyRequest, reply: FastifyReply): PageLang {
  const asked = (request.query as { lang?: unknown } | undefined)?.lang;
  if (isLang(asked)) {
    reply.header('set-cookie', `${LANG_COOKIE}=${asked}; Path=/; SameSite=Lax; Max-Age=31536000`);
    return asked;
  }
  const kept = readCookie(request.headers.cookie, LANG_COOKIE);
  return isLang(kept) ? kept : pickLang(request.headers['accept-language']);
}

/** The visible language switch: a link to the same page in the other language. */
export function langSwitch(t: PayerText, href: string): string {
  const sep = href.includes('?') ? '&' : '?';
  const url = escapeHtml(`${href}${sep}lang=${t.switchLang}`);
  return `<a class="lang-switch" id="lang-switch" href="${url}" hreflang="${t.switchLang}" lang="${t.switchLang}" aria-label="${t.switchLabel}: ${t.switchTo}">${t.switchTo}</a>`;
}

/** The switch's look, shared by the pages: top right, a 44px touch target. */
export const LANG_SWITCH_STYLE = `.lang-switch { position: absolute; top: 8px; right: 8px; min-width: 44px; min-height: 32px; padding: 6px 10px; border-radius: 16px; background: rgba(255,255,255,.9); color: #1f2329; font-size: 13px; text-decoration: none; border: 1px solid #d0d3d9; text-align: center; }
  .lang-switch:focus-visible { outline: 3px solid #1677ff; outline-offset: 2px; }`;
