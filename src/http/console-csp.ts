/**
 * The console's Content-Security-Policy, stricter than the payer pages' (security-headers.ts):
 * no inline script at all (Vite emits only external module files), and no inline styles
 * except those carrying this response's nonce. antd 6 writes its styles at run time into
 * <style> elements (CSS-in-JS); its ConfigProvider `csp.nonce` puts the nonce on each of
 * them, which the console reads from index.html's <meta name="csp-nonce">. So neither
 * 'unsafe-inline' nor 'unsafe-eval' is needed. Style *attributes* set through the CSSOM
 * (React's `style` prop, echarts' sizing) are not governed by style-src.
 */
export function consolePolicy(nonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
