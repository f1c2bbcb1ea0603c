/**
 * The console's Content-Security-Policy, stricter than the payer pages' (security-headers.ts):
 * no inline script at all (Vite emits only external module files), and no inline styles
 * except those carrying this response's nonce. antd 6 writes its styles at run time into
 * <style> elements (CSS-in-JS); its ConfigProvider `csp.nonce` puts the nonce on each of
 * them, which the console reads from index.html's <meta name="csp-nonce">: no <style>
 * element without it is applied (style-src-elem), and scripts need neither 'unsafe-inline'
 * nor 'unsafe-eval'.
 *
 * Inline style *attributes* are allowed (style-src-attr 'unsafe-inline'), because echarts
 * writes its tooltip as HTML with style attributes (innerHTML) and antd's portals do the
 * same; the e2e suite saw them blocked otherwise. An attribute styles one element and cannot
 * hold selectors, so it cannot read the page the way an injected <style> sheet could; all
 * script stays external-only.
 */
export function consolePolicy(nonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    `style-src-elem 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
