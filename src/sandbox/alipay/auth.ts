import { parseChinaDateTime } from '../../domain/china-time.js';
import { type Biz, isvError, reject } from './codec.js';
import { findSandboxApp, type SandboxAlipayApp } from './keys.js';
import { rsa2Verify, signContent } from './sign.js';
import type { AlipaySim } from './state.js';

/**
 * The common-parameter checks and the RSA2 signature check, in the gateway's order.
 * Returns the app and parsed biz_content, or throws a Rejection shaped as Alipay answers.
 */
export async function authenticate(
  sim: AlipaySim,
  params: Record<string, string>,
): Promise<{ app: SandboxAlipayApp; biz: Biz }> {
  if (!params.app_id) reject(isvError('40001', 'isv.missing-app-id', '缺少AppID参数'));
  if (!params.method) reject(isvError('40001', 'isv.missing-method', '缺少方法名参数'));
  if (!params.sign) reject(isvError('40001', 'isv.missing-signature', '缺少签名参数'));
  if (!params.sign_type) reject(isvError('40001', 'isv.missing-signature-type', '缺少签名类型参数'));
  if (!params.timestamp) reject(isvError('40001', 'isv.missing-timestamp', '缺少时间戳参数'));
  if (!params.version) reject(isvError('40001', 'isv.missing-version', '缺少版本参数'));
  const app = await findSandboxApp(sim.ctx.db, sim.ctx.box, params.app_id);
  if (!app) reject(isvError('40002', 'isv.invalid-app-id', '无效的AppID参数'));
  if (params.sign_type !== 'RSA2') {
    reject(isvError('40002', 'isv.invalid-signature-type', '无效的签名类型参数'));
  }
  if (params.charset && params.charset.toLowerCase() !== 'utf-8') {
    reject(isvError('40002', 'isv.invalid-charset', '字符集错误'));
  }
  if (!parseChinaDateTime(params.timestamp)) {
    reject(isvError('40002', 'isv.invalid-timestamp', '非法的时间戳参数'));
  }
  if (params.version !== '1.0') reject(isvError('40002', 'isv.invalid-version', '版本号错误'));
  if (params.format && params.format.toUpperCase() !== 'JSON') {
    reject(isvError('40002', 'isv.invalid-format', '无效的数据格式参数'));
  }
  const content = signContent(params);
  if (!rsa2Verify(content, params.sign, app!.appPublicKey)) {
    reject(
      isvError(
        '40002',
        'isv.invalid-signature',
        `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`,
      ),
    );
  }
  for (const url of [params.notify_url, params.return_url]) {
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) {
      reject(isvError('40002', 'isv.invalid-parameter', `非法的URL参数: ${url}`));
    }
  }
  let biz: unknown = {};
  if (params.biz_content !== undefined) {
    try {
      biz = JSON.parse(params.biz_content);
    } catch {
      reject(isvError('40002', 'isv.invalid-parameter', 'biz_content 不是合法的 JSON'));
    }
  }
  if (!biz || typeof biz !== 'object' || Array.isArray(biz)) {
    reject(isvError('40002', 'isv.invalid-parameter', 'biz_content 不是 JSON 对象'));
  }
  return { app: app!, biz: biz as Biz };
}
