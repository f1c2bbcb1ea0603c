import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { consolePolicy } from './console-csp.js';

/**
 * The built merchant console (web/, `npm run build` → web/dist), found from this module both
 * when run from the sources (src/http) and compiled (dist/http).
 */
export const CONSOLE_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Juhe console not built</title>
<p>The merchant console has not been built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p>
<p>控制台尚未构建：请运行 <code>npm run build</code>（<code>npm start</code> 会自动构建）后刷新。</p>`;

/**
 * Serves the console at /console: hashed files under /console/assets/ are immutable for a
 * year (a new build has new names); every other path under /console/ is a client-side route
 * and gets index.html, never cached, carrying a fresh CSP nonce for antd's CSS-in-JS styles.
 * `/` and `/admin` send a browser to the console.
 */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: `${CONSOLE_DIR}assets`,
    prefix: '/console/assets/',
    decorateReply: false,
    index: false,
    cacheControl: true,
    maxAge: 31_536_000_000,
    immutable: true,
    // An unbuilt tree has no assets folder yet: the routes below then explain what to run.
    preCompressed: false,
    schemaHide: true,
  });

  for (const path of ['/', '/admin', '/admin/', '/console']) {
    app.get(path, { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/', 302));
  }
  app.get('/console/*', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
}

async function sendIndex(reply: FastifyReply): Promise<FastifyReply> {
  reply.header('cache-control', 'no-cache');
  let html: string;
  try {
    // Read per request (a few hundred bytes): a rebuilt console is served without a restart.
    html = await readFile(`${CONSOLE_DIR}index.html`, 'utf8');
  } catch {
    return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
  }
  const nonce = randomBytes(16).toString('base64');
  reply.header('content-security-policy', consolePolicy(nonce));
  return reply.type('text/html; charset=utf-8').send(html.replaceAll('__CSP_NONCE__', nonce));
}
