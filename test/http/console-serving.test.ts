import type { FastifyInstance } from 'fastify';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIR } from '../../src/http/console.js';
import { buildServer } from '../../src/http/server.js';
import { ensureConsoleBuilt } from '../support/build.js';
import { type TestCore, testCore } from '../support/core.js';

/** The gateway serves the built console at /console: cached assets, fresh index, strict CSP. */
describe('console serving', () => {
  let core: TestCore;
  let server: FastifyInstance;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    core = await testCore('pglite');
    server = await buildServer({ core });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await core?.drop();
  });

  it.each(['/', '/admin', '/console'])('%s sends a browser to /console/', async (url) => {
    const res = await server.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/console/');
  });

  it.each(['/console/', '/console/transactions', '/console/overview?x=1'])(
    '%s answers index.html, never cached, with a nonce only for styles',
    async (url) => {
      const res = await server.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      const csp = String(res.headers['content-security-policy']);
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(res.body).toContain(`<meta name="csp-nonce" content="${nonce}"`);
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain(`style-src-elem 'self' 'nonce-${nonce}';`);
      // Only style attributes may be inline (echarts' tooltips); never a script or a <style> sheet.
      expect(csp.match(/unsafe-inline/g)).toEqual(['unsafe-inline']);
      expect(csp).toContain("style-src-attr 'unsafe-inline'");
      expect(csp).not.toContain('unsafe-eval');
      expect(res.body).toMatch(
        /<script type="module" crossorigin src="\/console\/assets\/index-[\w-]+\.js">/,
      );
    },
  );

  it('each response gets its own nonce', async () => {
    const a = await server.inject({ method: 'GET', url: '/console/' });
    const b = await server.inject({ method: 'GET', url: '/console/' });
    expect(a.headers['content-security-policy']).not.toBe(b.headers['content-security-policy']);
  });

  it('hashed assets are immutable for a year', async () => {
    const js = readdirSync(`${CONSOLE_DIR}assets`).find((f) => f.endsWith('.js'))!;
    const res = await server.inject({ method: 'GET', url: `/console/assets/${js}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('a missing asset is a 404, not the index page', async () => {
    const res = await server.inject({ method: 'GET', url: '/console/assets/nope-123.js' });
    expect(res.statusCode).toBe(404);
  });
});
