/**
 * Alipay's wire values and answer shapes: amounts in yuan, the common answer codes, the
 * gateway's error payloads, and the refusal a handler throws to answer with one of them.
 */

/** biz_content, parsed. */
export type Biz = Record<string, unknown>;
/** The inner object of a signed answer. */
export type Reply = Record<string, unknown>;

/**
 * total_amount / refund_amount: yuan with at most two decimals, > 0 and at most
 * 100000000.00 (Alipay's documented range). Returns fen, or undefined when invalid.
 * "0.01" -> 1, "12" -> 1200, "1.5" -> 150; "0", "-1", "1.001", "1e2", " 1" are invalid.
 */
export function parseYuan(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{1,9}(\.\d{1,2})?$/.test(text)) return undefined;
  const [whole, frac = ''] = text.split('.');
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return fen > 0 && fen <= 10_000_000_000 ? fen : undefined;
}

/** Fen as Alipay writes amounts: 1 -> "0.01", 1200 -> "12.00", -5 -> "-0.05". */
export function formatYuan(fen: number): string {
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export const SUCCESS = { code: '10000', msg: 'Success' } as const;

/** Gateway-level (common parameter) failures: 40001 / 40002 with isv.* sub codes. */
export function isvError(
  code: '40001' | '40002' | '40006',
  subCode: string,
  subMsg: string,
): Record<string, string> {
  const msg =
    code === '40001'
      ? 'Missing Required Arguments'
      : code === '40002'
        ? 'Invalid Arguments'
        : 'Insufficient Permissions';
  return { code, msg, sub_code: subCode, sub_msg: subMsg };
}

/** Business failures: 40004 with ACQ.* (or isp.*) sub codes. */
export function businessError(subCode: string, subMsg: string): Record<string, string> {
  return { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg };
}

export function systemError(): Record<string, string> {
  return {
    code: '20000',
    msg: 'Service Currently Unavailable',
    sub_code: 'ACQ.SYSTEM_ERROR',
    sub_msg: '系统繁忙',
  };
}

/** A request refused with one of the payloads above (the route answers it, signed). */
export class Rejection extends Error {
  constructor(readonly payload: Record<string, string>) {
    super(payload.sub_msg);
  }
}

export const reject = (payload: Record<string, string>): never => {
  throw new Rejection(payload);
};

export function isRejection(error: unknown): error is Rejection {
  return error instanceof Rejection;
}

/** A non-empty string parameter, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
