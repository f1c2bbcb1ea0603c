import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../_kit/context.js';
import type { SandboxKeys } from './keys.js';

/** WeChat's codes live 5 minutes and can be used once. */
const CODE_TTL_MS = 5 * 60 * 1000;

interface IssuedCode {
  appid: string;
  openid: string;
  expiresAt: number;
  used: boolean;
}

/**
 * The AppSecret of the simulator's sandbox official account: derived from its sealed keys,
 * so it needs no storage of its own and is the same on every node.
 */
export function sandboxAppSecret(keys: SandboxKeys): string {
  return createHmac('sha256', keys.merchant.apiV3Key)
    .update('official-account app secret')
    .digest('hex')
    .slice(0, 32);
}

/**
 * The sandbox payer's openid under an appid: stable (the same payer every time, as in
 * WeChat, where an openid is per user and official account), 28 characters like WeChat's.
 */
export function sandboxPayerOpenid(keys: SandboxKeys, appid: string): string {
  const digest = createHmac('sha256', keys.merchant.apiV3Key).update(`payer:${appid}`).digest('base64url');
  return `o${digest.slice(0, 27)}`;
}

/**
 * The simulator's copy of WeChat official-account web authorization (snsapi_base):
 * `GET /connect/oauth2/authorize` sends the payer straight back to redirect_uri with a
 * one-time code, as WeChat does silently for snsapi_base inside WeChat, and
 * `GET /sns/oauth2/access_token` exchanges it with WeChat's JSON and error codes.
 * The simulator knows the AppSecret of its own sandbox account only; for another appid
 * (a test-mode channel config with its own official account) it accepts any non-empty
 * secret, since it cannot know one it did not issue. Redirect domains are not checked
 * (WeChat checks them against the account's 网页授权域名).
 */
export async function wechatOauthRoutes(
  app: FastifyInstance,
  { ctx, keys, basePath }: { ctx: SandboxContext; keys: SandboxKeys; basePath: string },
): Promise<void> {
  const codes = new Map<string, IssuedCode>();
  const ownAppid = keys.merchant.appid;
  const now = () => ctx.clock.now().getTime();
  const forget = () => {
    for (const [code, issued] of codes) if (issued.expiresAt < now() || issued.used) codes.delete(code);
  };
  const errorPage = (message: string) =>
    `<!doctype html><meta charset="utf-8"><title>微信授权</title><h1>${message.replace(/[<>&"]/g, '')}</h1>`;

  app.get(`${basePath}/connect/oauth2/authorize`, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const appid = typeof q.appid === 'string' ? q.appid : '';
    const redirect = typeof q.redirect_uri === 'string' ? q.redirect_uri : '';
    const state = typeof q.state === 'string' ? q.state : '';
    let target: URL | undefined;
    try {
      target = /^https?:\/\//.test(redirect) ? new URL(redirect) : undefined;
    } catch {
      target = undefined;
    }
    const html = (status: number, message: string) =>
      reply.status(status).type('text/html; charset=utf-8').send(errorPage(message));
    if (!/^wx[0-9a-f]{16}$/.test(appid)) return html(400, 'appid 参数错误 (invalid appid)');
    if (!target) return html(400, 'redirect_uri 参数错误 (invalid redirect_uri)');
    if (q.response_type !== 'code') return html(400, 'response_type 参数错误');
    if (q.scope !== 'snsapi_base' && q.scope !== 'snsapi_userinfo') return html(400, 'scope 参数错误');
    if (state.length > 128 || !/^[A-Za-z0-9_-]*$/.test(state)) return html(400, 'state 参数错误');
    forget();
    const code = randomBytes(16).toString('hex');
    codes.set(code, {
      appid,
      openid: sandboxPayerOpenid(keys, appid),
      expiresAt: now() + CODE_TTL_MS,
      used: false,
    });
    target.searchParams.set('code', code);
    target.searchParams.set('state', state);
    return reply.header('cache-control', 'no-store').redirect(target.toString(), 302);
  });

  app.get(`${basePath}/sns/oauth2/access_token`, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const fail = (errcode: number, errmsg: string) => reply.send({ errcode, errmsg });
    const appid = typeof q.appid === 'string' ? q.appid : '';
    const secret = typeof q.secret === 'string' ? q.secret : '';
    const code = typeof q.code === 'string' ? q.code : '';
    if (!appid) return fail(41002, 'appid missing');
    if (!secret) return fail(41004, 'appsecret missing');
    if (!code) return fail(41008, 'missing code');
    if (q.grant_type !== 'authorization_code') return fail(40002, 'invalid grant_type');
    if (appid === ownAppid && secret !== sandboxAppSecret(keys)) return fail(40125, 'invalid appsecret');
    const issued = codes.get(code);
    if (!issued || issued.appid !== appid || issued.expiresAt < now()) return fail(40029, 'invalid code');
    if (issued.used) return fail(40163, 'code been used');
    issued.used = true;
    return reply.send({
      access_token: randomBytes(24).toString('base64url'),
      expires_in: 7200,
      refresh_token: randomBytes(24).toString('base64url'),
      openid: issued.openid,
      scope: 'snsapi_base',
    });
  });
}
