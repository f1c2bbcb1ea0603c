import type { AcpFields } from './acp.js';

/** The answer codes this simulator gives, with UnionPay's messages. */
export const RESP = {
  ok: ['00', '成功[0000000]'],
  failed: ['01', '交易失败'],
  accepted: ['05', '交易已受理，请稍后查询交易结果'],
  format: ['10', '报文格式错误'],
  sign: ['11', '验证签名失败'],
  duplicate: ['12', '重复交易'],
  missing: ['13', '报文交易要素缺失'],
  merchant: ['31', '商户状态不正确'],
  notFound: ['34', '查无此交易'],
  origState: ['35', '原交易不存在或状态不正确'],
  origMismatch: ['36', '与原交易信息不符'],
  timeout: ['39', '交易不在受理时间范围内'],
  /** File download (txnType 76): the day's file is not generated yet / does not exist. */
  noFile: ['98', '文件不存在'],
} as const;
export type Resp = (typeof RESP)[keyof typeof RESP];

/** A refusal: the request is answered with this respCode and nothing is written. */
export class AcpRefusal extends Error {
  constructor(readonly resp: Resp) {
    super(resp[1]);
  }
}
export const refuse = (resp: Resp): never => {
  throw new AcpRefusal(resp);
};

/** The request fields every answer repeats. */
const ECHO = [
  'version',
  'encoding',
  'txnType',
  'txnSubType',
  'bizType',
  'accessType',
  'merId',
  'orderId',
  'txnTime',
];

export const echo = (req: AcpFields): AcpFields =>
  Object.fromEntries(ECHO.filter((k) => req[k] !== undefined).map((k) => [k, req[k]]));

export const ok = () => ({ respCode: RESP.ok[0], respMsg: RESP.ok[1] });
