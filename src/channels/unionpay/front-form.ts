import type { AcpFields } from './protocol.js';

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * The page a web payer's browser loads: every signed field as a hidden input of a form
 * that posts itself to frontTransReq.do, as the SDK's createAutoFormHtml builds it.
 */
export function frontForm(action: string, fields: AcpFields): string {
  const inputs = Object.keys(fields)
    .sort()
    .map((k) => `<input type="hidden" name="${escape(k)}" id="${escape(k)}" value="${escape(fields[k])}"/>`)
    .join('\n');
  return (
    `<form id="pay_form" name="pay_form" action="${escape(action)}" method="post">\n${inputs}\n</form>\n` +
    `<script type="text/javascript">document.getElementById('pay_form').submit();</script>`
  );
}
