import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response (helmet): payer pages, the sandbox's payer pages and
 * the API docs must not be framed by another site (clickjacking a pay button), nor sniffed
 * into another content type.
 *
 * The Content-Security-Policy keeps scripts, styles, images and fetches on this origin and
 * forbids framing and plugins. It still allows inline script and style: today's pages are
 * single server-rendered files with their script inline; nonces come with the payer-page
 * rework. Forms may post anywhere, because a cashier hands the payer's browser to the
 * provider's own gateway (Alipay's page pay is an auto-submitting form to alipay.com).
 * Images may be embedded cross-origin (`Cross-Origin-Resource-Policy: cross-origin`): a
 * merchant's own page shows the QR image of the unified PC cashier.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // HSTS belongs to whoever terminates TLS (nginx in deploy/); a loopback test gateway has none.
    strictTransportSecurity: false,
  });
}
