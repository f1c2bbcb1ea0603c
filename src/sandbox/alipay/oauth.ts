import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { escapeHtml } from '../../domain/html.js';
import type { SandboxContext } from '../_kit/context.js';

/** Alipay's auth_code lives 3 minutes and can be exchanged once. */
const CODE_TTL_MS = 3 * 60 * 1000;

interface IssuedCode {
  appId: string;
  userId: string;
  expiresAt: number;
  used: boolean;
}

/**
 * The sandbox buyer's user id under an app: stable (Alipay's user_id is per user), 16
 * digits starting with 2088 as Alipay's are.
 */
export function sandboxBuyerId(appId: string): string {
  const digest = createHash('sha256').update(`alipay sandbox buyer:${appId}`).digest();
  return `2088${(digest.readBigUInt64BE(0) % 10n ** 12n).toString().padStart(12, '0')}`;
}

/**
 * The simulator's copy of Alipay's user authorization for web pages opened in the Alipay
 * app (网页授权, scope auth_base, silent): `GET /oauth2/publicAppAuthorize.htm` sends the
 * payer back to redirect_uri with `auth_code`, `app_id`, `scope`, `source=alipay_wallet`
 * and the `state`; the server exchanges the code through the gateway method
 * `alipay.system.oauth.token` (grant_type=authorization_code) for the buyer's user_id.
 * The codes live in this process, as the payer's authorization and its exchange follow
 * each other within seconds.
 */
export class AlipayAuthCodes {
  private readonly codes = new Map<string, IssuedCode>();
  constructor(private readonly ctx: SandboxContext) {}

  private now(): number {
    return this.ctx.clock.now().getTime();
  }

  issue(appId: string): string {
    for (const [code, issued] of this.codes) {
      if (issued.expiresAt < this.now() || issued.used) this.codes.delete(code);
    }
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, {
      appId,
      userId: sandboxBuyerId(appId),
      expiresAt: this.now() + CODE_TTL_MS,
      used: false,
    });
    return code;
  }

  /** The user id of an unexpired, unused code issued to this app; undefined otherwise. */
  redeem(appId: string, code: string): string | undefined {
    const issued = this.codes.get(code);
    if (!issued || issued.appId !== appId || issued.expiresAt < this.now() || issued.used) return undefined;
    issued.used = true;
    return issued.userId;
  }
}

export async function alipayOauthRoutes(
  app: FastifyInstance,
  {
    codes,
    basePath,
    appExists,
  }: { codes: AlipayAuthCodes; basePath: string; appExists(appId: string): Promise<boolean> },
): Promise<void> {
  const page = (message: string) =>
    `<!doctype html><meta charset="utf-8"><title>支付宝授权</title><h1>${escapeHtml(message)}</h1>`;
  app.get(`${basePath}/oauth2/publicAppAuthorize.htm`, { schema: { hide: true } }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    const appId = text(q.app_id);
    const scope = text(q.scope);
    const state = text(q.state);
    let target: URL | undefined;
    try {
      target = /^https?:\/\//.test(text(q.redirect_uri)) ? new URL(text(q.redirect_uri)) : undefined;
    } catch {
      target = undefined;
    }
    const html = (status: number, message: string) =>
      reply.status(status).type('text/html; charset=utf-8').send(page(message));
    if (!appId || !(await appExists(appId))) return html(400, '应用不存在 (invalid app_id)');
    if (!target) return html(400, 'redirect_uri 参数错误 (invalid redirect_uri)');
    if (!scope.split(',').every((s) => s === 'auth_base' || s === 'auth_user')) {
      return html(400, 'scope 参数错误 (invalid scope)');
    }
    if (state.length > 100) return html(400, 'state 参数错误');
    target.searchParams.set('app_id', appId);
    target.searchParams.set('source', 'alipay_wallet');
    target.searchParams.set('scope', scope);
    target.searchParams.set('auth_code', codes.issue(appId));
    if (state) target.searchParams.set('state', state);
    return reply.header('cache-control', 'no-store').redirect(target.toString(), 302);
  });
}
