import type { FastifyRequest } from 'fastify';
import type { SandboxKeys } from './keys.js';
import type { WxSim } from './context.js';
import {
  MAX_CLOCK_SKEW_SECONDS,
  readAuthorization,
  signatureMessage,
  type V2SignType,
  v2SignMatches,
  verifySha256Rsa,
  wallSeconds,
} from './sign.js';

/**
 * Verifies a v3 request as WeChat does: the merchant's Authorization names a known mchid and
 * the serial of its API certificate, a timestamp within 5 minutes, and signs
 * `METHOD\nURL\ntimestamp\nnonce\nbody\n` with that certificate's key. Answers the refusal's
 * message (HTTP 401 SIGN_ERROR), or undefined when the request is the merchant's.
 */
export function v3Refusal(sim: WxSim, request: FastifyRequest, body: string): string | undefined {
  const merchant = sim.keys.merchant;
  const auth = readAuthorization(request.headers.authorization);
  if (!auth) return 'Authorization不合法';
  if (auth.mchid !== merchant.mchid) return '商户号不存在或未开通API v3';
  if (auth.serial_no !== merchant.serialNo) return '商户证书序列号有误';
  if (
    !/^\d+$/.test(auth.timestamp) ||
    Math.abs(wallSeconds() - Number(auth.timestamp)) > MAX_CLOCK_SKEW_SECONDS
  ) {
    return '请求时间戳已过期';
  }
  const message = signatureMessage(request.method, request.url, auth.timestamp, auth.nonce_str, body);
  return verifySha256Rsa(message, auth.signature, sim.merchantKey) ? undefined : '签名错误';
}

/** A bill file download: a signed GET (no time window: the URL itself expires). */
export function signedGet(sim: WxSim, request: FastifyRequest): boolean {
  const auth = readAuthorization(request.headers.authorization);
  return (
    !!auth &&
    auth.mchid === sim.keys.merchant.mchid &&
    auth.serial_no === sim.keys.merchant.serialNo &&
    verifySha256Rsa(
      signatureMessage('GET', request.url, auth.timestamp, auth.nonce_str, ''),
      auth.signature,
      sim.merchantKey,
    )
  );
}

/**
 * Verifies a v2 XML call as WeChat does: the merchant and its appid, a nonce_str, and the
 * MD5 or HMAC-SHA256 sign with the API v2 key. Answers the return_msg of a refusal
 * (return_code FAIL) and the sign type otherwise.
 */
export function v2Check(
  keys: SandboxKeys,
  fields: Record<string, string>,
): { refusal: string } | { signType: V2SignType } {
  if (fields.mch_id !== keys.merchant.mchid) return { refusal: 'mch_id参数格式错误' };
  if (fields.appid !== keys.merchant.appid) return { refusal: 'appid和mch_id不匹配' };
  if (!fields.nonce_str) return { refusal: '缺少参数nonce_str' };
  const signType = fields.sign_type ?? 'MD5';
  if (signType !== 'MD5' && signType !== 'HMAC-SHA256') return { refusal: 'sign_type参数错误' };
  if (!fields.sign || !v2SignMatches(fields, keys.merchant.apiV2Key, signType))
    return { refusal: '签名错误' };
  return { signType };
}
