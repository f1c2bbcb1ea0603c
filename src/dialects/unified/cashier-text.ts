/**
 * The cashier pages' words in the two languages payers read them in. The page is chosen by
 * the browser's Accept-Language (pickLang); the script gets its strings as JSON.
 */
export type PageLang = 'zh-CN' | 'en-US';

export const PAGE_TEXT: Record<PageLang, Record<string, string>> = {
  'zh-CN': {
    lang: 'zh-CN',
    titlePc: '收银台',
    titleH5: '手机收银台',
    choose: '选择支付方式',
    loading: '正在加载支付方式…',
    qrAlt: '微信扫码支付二维码',
    scanWechat: '请使用微信扫一扫完成支付',
    qrPolling: '支付完成后页面将自动跳转',
    retry: '重新支付',
    footer: '安全支付 · 由聚合收银台提供',
    badgeWechat: '微',
    badgeAlipay: '支',
    badgeUnionpay: '银',
    payIn: '以',
    rate: '汇率',
    none: '暂无可用的支付方式',
    noneInApp: '当前应用内无法支付此订单，请在浏览器中打开',
    orderNo: '订单号',
    tamperedTitle: '链接无效',
    tamperedText: '支付链接已被修改或签名不正确，无法支付。请返回商户重新发起支付。',
    paidTitle: '订单已支付',
    paidText: '该订单已完成支付，无需重复支付。',
    expiredTitle: '二维码已过期',
    expiredText: '本次支付已关闭，请重新发起支付。',
    back: '返回商户',
    continue: '返回商户',
    payFailed: '支付失败，请稍后再试！',
    wechatFailed: '微信支付失败！',
    openInWechat: '请在微信中打开此页面完成支付',
    typesFailed: '获取支付方式失败，请稍后再试！',
    missing: '缺少参数',
  },
  'en-US': {
    lang: 'en-US',
    titlePc: 'Checkout',
    titleH5: 'Checkout',
    choose: 'Choose how to pay',
    loading: 'Loading payment methods…',
    qrAlt: 'WeChat Pay QR code',
    scanWechat: 'Scan with WeChat to pay',
    qrPolling: 'This page moves on by itself once you have paid',
    retry: 'Pay again',
    footer: 'Secure payment · hosted checkout',
    badgeWechat: 'W',
    badgeAlipay: 'A',
    badgeUnionpay: 'U',
    payIn: 'in',
    rate: 'rate',
    none: 'No payment method is available',
    noneInApp: 'This order cannot be paid inside this app: open it in a browser',
    orderNo: 'Order',
    tamperedTitle: 'Invalid link',
    tamperedText:
      'This payment link was changed or its signature is wrong, so it cannot be paid. Go back to the merchant and start again.',
    paidTitle: 'Already paid',
    paidText: 'This order is paid. There is nothing more to pay.',
    expiredTitle: 'QR code expired',
    expiredText: 'This payment was closed. Start the payment again.',
    back: 'Back to the merchant',
    continue: 'Back to the merchant',
    payFailed: 'Payment failed, please try again later.',
    wechatFailed: 'WeChat Pay failed.',
    openInWechat: 'Open this page in WeChat to pay',
    typesFailed: 'Could not load the payment methods, please try again later.',
    missing: 'Missing parameter',
  },
};

/**
 * zh-CN unless the browser prefers English over Chinese (the payers these pages serve
 * mostly read Chinese; a browser saying nothing gets Chinese).
 */
export function pickLang(acceptLanguage: string | undefined): PageLang {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...rest] = part.trim().toLowerCase().split(';');
      const q = rest.map((r) => /^\s*q=([\d.]+)\s*$/.exec(r)?.[1]).find(Boolean);
      return { tag, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.q > 0 && (l.tag.startsWith('zh') || l.tag.startsWith('en')))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.tag.startsWith('en') ? 'en-US' : 'zh-CN';
}
