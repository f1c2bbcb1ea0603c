import { parseChinaStamp } from '../../domain/china-time.js';
import {
  ACP_VERSION,
  type AcpFields,
  SIGN_METHOD_RSA,
  isHttpUrl,
  isOrderId,
  isTxnAmt,
  verifyFields,
} from './acp.js';
import { RESP, refuse } from './codec.js';
import type { UnionpaySandboxKeys } from './keys.js';

const REQUIRED = [
  'version', 'encoding', 'signMethod', 'txnType', 'txnSubType', 'bizType', 'accessType',
  'merId', 'orderId', 'txnTime', 'certId', 'signature',
]; // prettier-ignore

/**
 * Checks what every merchant request must satisfy, as UnionPay does: the required fields,
 * version and signMethod, the merchant, its certId and signature, the transaction type and
 * the orderId/txnTime formats. Throws the refusal UnionPay answers.
 */
export function authenticate(keys: UnionpaySandboxKeys, req: AcpFields, txnTypes: string[]): void {
  // A file download (76) names a day, not an order: it carries no orderId.
  const fileDownload = req.txnType === '76';
  for (const k of REQUIRED) if (!req[k] && !(fileDownload && k === 'orderId')) refuse(RESP.missing);
  if (req.version !== ACP_VERSION || req.signMethod !== SIGN_METHOD_RSA || !/^utf-8$/i.test(req.encoding))
    refuse(RESP.format);
  if (req.merId !== keys.merId) refuse(RESP.merchant);
  if (req.certId !== keys.merchant.certId || !verifyFields(req, keys.merchant.certPem)) refuse(RESP.sign);
  if (!txnTypes.includes(req.txnType) || req.accessType !== '0') refuse(RESP.format);
  if ((!fileDownload && !isOrderId(req.orderId)) || !parseChinaStamp(req.txnTime)) refuse(RESP.format);
}

/** A consume's own fields (txnType 01): amount, currency, backUrl, channel, payTimeout. */
export function requireConsumeFields(req: AcpFields, channelType: string, now: Date): void {
  for (const k of ['txnAmt', 'currencyCode', 'backUrl', 'channelType']) if (!req[k]) refuse(RESP.missing);
  if (req.txnType !== '01' || req.txnSubType !== '01' || req.bizType !== '000201') refuse(RESP.format);
  if (req.channelType !== channelType && !(channelType === '07' && req.channelType === '08'))
    refuse(RESP.format);
  if (!isTxnAmt(req.txnAmt) || req.currencyCode !== '156') refuse(RESP.format);
  if (!isHttpUrl(req.backUrl)) refuse(RESP.format);
  if (req.payTimeout === undefined) return;
  const timeout = parseChinaStamp(req.payTimeout);
  if (!timeout) refuse(RESP.format);
  if (timeout!.getTime() <= now.getTime()) refuse(RESP.timeout);
}

/** A refund's own fields (txnType 04). */
export function requireRefundFields(req: AcpFields): void {
  for (const k of ['txnAmt', 'origQryId', 'backUrl', 'channelType']) if (!req[k]) refuse(RESP.missing);
  if (req.txnSubType !== '00' || req.bizType !== '000201') refuse(RESP.format);
  if (!isTxnAmt(req.txnAmt) || (req.currencyCode !== undefined && req.currencyCode !== '156'))
    refuse(RESP.format);
  if (!isHttpUrl(req.backUrl)) refuse(RESP.format);
}
