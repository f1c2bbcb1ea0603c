import { describe, expect, it } from 'vitest';
import { autoSubmitForm, escapeHtml } from './form.js';

describe('unified auto-submitting form', () => {
  it('turns a payment URL into a GET form whose query travels as hidden inputs', () => {
    const html = autoSubmitForm({ pay_url: 'https://pay.example/gw?a=1&b=%3Cx%3E&c=' });
    expect(html).toBe(
      '<form name="juhe_unified_pay" method="get" action="https://pay.example/gw">' +
        '<input type="hidden" name="a" value="1">' +
        '<input type="hidden" name="b" value="&lt;x&gt;">' +
        '<input type="hidden" name="c" value="">' +
        '<input type="submit" value="立即支付" style="display:none"></form>' +
        "<script>document.forms['juhe_unified_pay'].submit();</script>",
    );
  });

  it('passes a ready form from the connector through unchanged', () => {
    const form =
      '<form name="punchout_form" method="post" action="https://openapi.alipay.com/gateway.do"></form>';
    expect(autoSubmitForm({ form, pay_url: 'https://ignored.example' })).toBe(form);
    expect(autoSubmitForm({ html: form })).toBe(form);
  });

  it('has nothing to build without a URL or form', () => {
    expect(autoSubmitForm(null)).toBeNull();
    expect(autoSubmitForm({ qr_code: 'weixin://x' })).toBeNull();
  });

  it('escapes the characters that end an attribute', () => {
    expect(escapeHtml(`"'<>&`)).toBe('&quot;&#39;&lt;&gt;&amp;');
  });
});
