import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../../db/db.js';
import type { SandboxContext } from '../_kit/context.js';
import { WxError } from './context.js';
import { bindSubMerchant, findSubMerchant } from './repository-partner.js';

/**
 * WeChat Pay's service-provider (服务商) API v3, as a provider (sp_mchid, the simulator's
 * default merchant, whose key signs every call) acts for the sub-merchants bound to it:
 * `POST /v3/pay/partner/transactions/{native,jsapi,app,h5}`, the query
 * `GET /v3/pay/partner/transactions/out-trade-no/{no}?sp_mchid=&sub_mchid=` and
 * `POST .../close`; refunds are the direct API's with `sub_mchid` (the simulator's refund
 * routes ask `refundMerchant`). The order itself is the direct API's machinery, kept under
 * mchid = sub_mchid; its JSON (answers and callbacks) is reshaped here by `partnerShape`.
 */

/** Who a partner order is for and who pays it. */
export interface PartnerOrder {
  spMchid: string;
  subMchid: string;
  subAppid: string | null;
  openid: string | null;
  openidKind: 'sp_openid' | 'sub_openid';
}

export type V3Answer = { status: number; body?: unknown };
type V3Handler = (input: { body: any; params: any; query: any }) => Promise<V3Answer>;

export interface PartnerDeps {
  ctx: SandboxContext;
  basePath: string;
  /** The service provider: the simulator's merchant (mchid and its official-account appid). */
  spMchid: string;
  spAppid: string;
  /** Wraps a handler with the simulator's v3 authentication and signed answers. */
  v3: (handler: V3Handler) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** The direct API's order creation, for a validated partner order. */
  createOrder(kind: string, body: any, partner: PartnerOrder): Promise<V3Answer>;
  /** The order's JSON (already partner-shaped) or undefined. */
  orderJson(mchid: string, outTradeNo: string): Promise<Record<string, unknown> | undefined>;
  closeOrder(mchid: string, outTradeNo: string): Promise<void>;
}

const present = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * The sub-merchant a partner call names, checked as WeChat does: `sp_mchid` is the signer
 * (the Authorization's mchid), `sub_mchid` is bound to it.
 */
export async function boundSubMerchant(
  q: Queryable,
  spMchid: string,
  given: { sp_mchid?: unknown; sub_mchid?: unknown },
) {
  if (!present(given.sp_mchid)) throw new WxError(400, 'PARAM_ERROR', '缺少参数sp_mchid');
  if (!present(given.sub_mchid)) throw new WxError(400, 'PARAM_ERROR', '缺少参数sub_mchid');
  if (given.sp_mchid !== spMchid) {
    throw new WxError(400, 'PARAM_ERROR', 'sp_mchid与请求签名的商户号不一致');
  }
  const sub = await findSubMerchant(q, given.sub_mchid);
  if (!sub || sub.spMchid !== spMchid) throw new WxError(400, 'INVALID_REQUEST', '受理关系不存在');
  return sub;
}

/**
 * A direct-API order JSON reshaped as the partner API answers it (and as its callbacks
 * carry it): `sp_appid`, `sp_mchid`, `sub_appid`, `sub_mchid` instead of `appid`, `mchid`,
 * and the payer as `sp_openid` or `sub_openid`.
 */
export function partnerShape(
  json: Record<string, unknown>,
  row: { sp_mchid: string | null; sub_appid: string | null; openid_kind: string | null; mchid: string },
): Record<string, unknown> {
  if (!row.sp_mchid) return json;
  const { appid, mchid: _mchid, payer, ...rest } = json;
  const openid = (payer as { openid?: string } | undefined)?.openid;
  return {
    sp_appid: appid,
    sp_mchid: row.sp_mchid,
    ...(row.sub_appid ? { sub_appid: row.sub_appid } : {}),
    sub_mchid: row.mchid,
    ...rest,
    payer: openid ? { [row.openid_kind ?? 'sp_openid']: openid } : {},
  };
}

/** The refund callback's merchant fields: `mchid`, or `sp_mchid` + `sub_mchid` for a sub-merchant. */
export async function refundMerchantFields(
  q: Queryable,
  mchid: string,
): Promise<{ mchid: string } | { sp_mchid: string; sub_mchid: string }> {
  const sub = await findSubMerchant(q, mchid);
  return sub ? { sp_mchid: sub.spMchid, sub_mchid: mchid } : { mchid };
}

/**
 * The merchant a refund call is for: the signer itself, or the bound sub-merchant its
 * `sub_mchid` names.
 */
export async function refundMerchant(q: Queryable, spMchid: string, subMchid: unknown): Promise<string> {
  if (subMchid === undefined) return spMchid;
  return (await boundSubMerchant(q, spMchid, { sp_mchid: spMchid, sub_mchid: subMchid })).subMchid;
}

const KINDS = new Set(['native', 'jsapi', 'app', 'h5']);

export async function wechatpayPartnerRoutes(app: FastifyInstance, deps: PartnerDeps): Promise<void> {
  const { ctx, basePath, spMchid, spAppid, v3 } = deps;
  const path = `${basePath}/v3/pay/partner/transactions`;

  app.post(
    `${path}/:kind`,
    v3(async ({ body: b, params }) => {
      if (!KINDS.has(params.kind)) throw new WxError(404, 'NOT_FOUND', '无效的请求地址');
      if (!present(b.sp_appid)) throw new WxError(400, 'PARAM_ERROR', '缺少参数sp_appid');
      const sub = await boundSubMerchant(ctx.db, spMchid, b);
      if (b.sp_appid !== spAppid) {
        throw new WxError(400, 'APPID_MCHID_NOT_MATCH', 'sp_appid和sp_mchid不匹配');
      }
      if (b.sub_appid !== undefined) {
        if (!present(b.sub_appid)) throw new WxError(400, 'PARAM_ERROR', '参数sub_appid不合法');
        if (!sub.subAppids.includes(b.sub_appid)) {
          throw new WxError(400, 'INVALID_REQUEST', 'sub_mch_id与sub_appid不匹配');
        }
      }
      let openid: string | null = null;
      let openidKind: PartnerOrder['openidKind'] = b.sub_appid ? 'sub_openid' : 'sp_openid';
      if (params.kind === 'jsapi') {
        const payer = (b.payer ?? {}) as { sp_openid?: unknown; sub_openid?: unknown };
        if (present(payer.sub_openid) === present(payer.sp_openid)) {
          throw new WxError(400, 'PARAM_ERROR', 'payer.sp_openid和payer.sub_openid必须且只能填一个');
        }
        if (present(payer.sub_openid) && !b.sub_appid) {
          throw new WxError(400, 'PARAM_ERROR', '传了sub_openid时sub_appid必填');
        }
        openidKind = present(payer.sub_openid) ? 'sub_openid' : 'sp_openid';
        openid = String(payer.sub_openid ?? payer.sp_openid);
      }
      return deps.createOrder(
        params.kind,
        { ...b, appid: b.sp_appid },
        { spMchid, subMchid: sub.subMchid, subAppid: b.sub_appid ?? null, openid, openidKind },
      );
    }),
  );

  app.get(
    `${path}/out-trade-no/:no`,
    v3(async ({ params, query }) => {
      const sub = await boundSubMerchant(ctx.db, spMchid, query ?? {});
      const json = await deps.orderJson(sub.subMchid, params.no);
      if (!json || json.sp_mchid !== spMchid) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
      return { status: 200, body: json };
    }),
  );

  app.post(
    `${path}/out-trade-no/:no/close`,
    v3(async ({ params, body }) => {
      const sub = await boundSubMerchant(ctx.db, spMchid, body);
      await deps.closeOrder(sub.subMchid, params.no);
      return { status: 204 };
    }),
  );
}

/** Binds a sub-merchant (and its appids) to the simulator's service provider; undefined if bound elsewhere. */
export const bindSandboxSubMerchant = (
  ctx: SandboxContext,
  spMchid: string,
  subMchid: string,
  subAppids: string[],
) => bindSubMerchant(ctx.db, { subMchid, spMchid, subAppids }, ctx.clock.now());
