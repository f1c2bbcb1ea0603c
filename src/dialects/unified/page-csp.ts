import { randomBytes } from 'node:crypto';

/**
 * The cashier pages' Content-Security-Policy, stricter than the site-wide one
 * (src/http/security-headers.ts allows inline script for older pages): only the script and
 * style carrying this response's nonce run, so a value that slipped into the HTML could
 * never execute. Forms may still post anywhere: the payer's browser is handed to the
 * provider's own gateway (Alipay's page pay is an auto-submitting form to alipay.com).
 */
export function pageNonce(): string {
  return randomBytes(16).toString('base64');
}

export function pageCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
