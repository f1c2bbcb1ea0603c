import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { dueWork } from '../_kit/due-work.js';
import { simulatorLife } from '../_kit/lifecycle.js';
import { linkFromOptions, type SimulatorOptions, tickMsOf } from '../_kit/options.js';
import { noticeDelivery, type OwedNotice } from '../_kit/notice-delivery.js';
import { queueUnderFaults } from '../_kit/notice-faults.js';
import { jsonBody, rawBody, takeRawBodies } from '../_kit/raw-body.js';
import { reachMerchant } from '../_kit/reach.js';
import {
  putInService,
  type SandboxSimulator,
  sandboxSimulatorBase,
  simulatorInstances,
} from '../_kit/service.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ACP_VERSION,
  type AcpFields,
  SIGN_METHOD_RSA,
  UNIONPAY_TEST_CN_NAME,
  acpSign,
  acpVerify,
  beijingStamp,
  formDecode,
  formEncode,
  formatAnswer,
  isOrderId,
  isTxnAmt,
  parseBeijingStamp,
} from '../../channels/unionpay/protocol.js';
import type { Queryable } from '../../db/db.js';
import { validAround } from '../_kit/validity.js';
import { type DistinguishedName, issueCertificate } from '../_kit/x509-chain.js';
import { UnionpayFaults } from './faults.js';
import { type UnionpaySandboxKeys, loadOrCreateUnionpayKeys } from './keys.js';
import { cashierPage, errorPage, frontNotifyPage } from './pages.js';

export const BASE_PATH = '/sandbox/unionpay';
const API = `${BASE_PATH}/gateway/api`;

/**
 * Back notification retries after a failed attempt (no HTTP 200): 1, 2, 4, 8, 16 minutes,
 * then UnionPay gives up (six attempts in all). An assumption: ACP only says it resends at
 * increasing intervals (see src/channels/unionpay/README.md).
 */
export const NOTICE_RETRY_SCHEDULE_MS = [60e3, 120e3, 240e3, 480e3, 960e3];

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
} as const;
type Resp = (typeof RESP)[keyof typeof RESP];

export interface UnionpaySimulatorOptions extends SimulatorOptions {
  /** Business-clock ms before an accepted refund settles. Default 0 (the next run of due work). */
  refundSettleMs?: number;
}

interface TxnRow {
  mer_id: string;
  order_id: string;
  txn_time: string;
  txn_type: string;
  channel_type: string;
  txn_amt: string | number;
  back_url: string | null;
  front_url: string | null;
  pay_timeout: Date | string | null;
  tn: string | null;
  pay_code: string | null;
  fingerprint: string;
  resp_code: string | null;
  resp_msg: string | null;
  query_id: string | null;
  orig_qry_id: string | null;
  outcome: string | null;
}

interface NoticeRow extends OwedNotice {
  order_id: string;
  back_url: string;
  fields: string;
}

export interface NoticeDelivery {
  noticeId: string;
  orderId: string;
  txnType: string;
  attempt: number;
  status: number | null;
  forged: boolean;
}

export interface UnionpaySimulator extends SandboxSimulator<
  UnionpaySandboxKeys,
  UnionpayFaults,
  NoticeDelivery
> {
  /** The payer pays or declines a consume, as on the cashier page. */
  payerAct(
    orderId: string,
    action: 'pay' | 'decline',
  ): Promise<{ ok: boolean; reason?: string; front?: AcpFields }>;
  /** Posts a web charge's signed form to frontTransReq.do as the payer's browser does; true when accepted. */
  submitFront(fields: AcpFields): Promise<boolean>;
  findTxn(orderId: string): Promise<
    | {
        merId: string;
        txnType: string;
        respCode: string | null;
        txnAmt: number;
        queryId: string | null;
        cashierUrl: string | null;
      }
    | undefined
  >;
}

const simulators = simulatorInstances<UnionpaySimulator>();
export const unionpaySimulatorOf = simulators.of;

class AcpRefusal extends Error {
  constructor(readonly resp: Resp) {
    super(resp[1]);
  }
}
const refuse = (resp: Resp): never => {
  throw new AcpRefusal(resp);
};

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

/**
 * The UnionPay ACP 5.1.0 simulator under /sandbox/unionpay: gateway/api/frontTransReq.do
 * (the payer's browser form), appTransReq.do (tn), backTransReq.do (refunds), queryTrans.do;
 * requests verified as UnionPay does (certId, signature, required fields, formats, duplicate
 * orderId), every answer signed with signPubKeyCert; signed back notifications with retries
 * on the business clock; the cashier page and the front notification to frontUrl.
 */
export async function unionpaySimulator(
  app: FastifyInstance,
  options: UnionpaySimulatorOptions,
): Promise<void> {
  const { ctx } = options;
  const keys = await loadOrCreateUnionpayKeys(ctx);
  const faults = new UnionpayFaults();
  const deliveries: NoticeDelivery[] = [];
  const refundSettleMs = options.refundSettleMs ?? 0;
  const publicUrl = () => ctx.publicUrl.replace(/\/+$/, '');
  const link = linkFromOptions(options, keys, () => `${publicUrl()}${API}/`);
  const life = simulatorLife(app, 'unionpay', ctx.log);
  let forged: { privateKeyPem: string; certPem: string } | undefined;

  takeRawBodies(app, 64 * 1024);
  const fieldsOf = (request: FastifyRequest) => formDecode(rawBody(request));

  /** Signs as UnionPay: signPubKeyCert in the signed fields, signature over all of them. */
  const signAsUnionpay = (fields: AcpFields, forge = false): AcpFields => {
    const signer = forge ? forgedSigner() : keys.unionpay;
    const out: AcpFields = { ...fields, signMethod: SIGN_METHOD_RSA, signPubKeyCert: signer.certPem };
    out.signature = acpSign(out, signer.privateKeyPem);
    return out;
  };

  // A chain that names itself exactly like the real one but was issued by a stranger's root.
  const forgedSigner = () => {
    if (forged) return forged;
    const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
    const [middle, leaf] = [pair(), pair()];
    const middleName: DistinguishedName = [
      ['C', 'CN'],
      ['O', 'Juhe Sandbox Certification Authority'],
      ['CN', 'Juhe Sandbox UnionPay OCA1'],
    ];
    const cert = issueCertificate({
      subject: [
        ['C', 'CN'],
        ['O', 'China UnionPay'],
        ['OU', 'Juhe Sandbox'],
        ['CN', `041@Z00000000000000@${UNIONPAY_TEST_CN_NAME}@00000001`],
      ],
      subjectPublicKey: leaf.publicKey,
      issuer: { name: middleName, privateKey: middle.privateKey },
      ca: false,
      ...validAround(ctx.clock.now(), 1),
    });
    forged = {
      privateKeyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      certPem: cert.pem,
    };
    return forged;
  };

  const hold = life.hold;

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
  const echo = (req: AcpFields) =>
    Object.fromEntries(ECHO.filter((k) => req[k] !== undefined).map((k) => [k, req[k]]));

  /** Checks what every merchant request must satisfy; throws the refusal UnionPay answers. */
  const authenticate = (req: AcpFields, txnTypes: string[]) => {
    for (const k of [
      'version',
      'encoding',
      'signMethod',
      'txnType',
      'txnSubType',
      'bizType',
      'accessType',
      'merId',
      'orderId',
      'txnTime',
      'certId',
      'signature',
    ]) {
      if (!req[k]) refuse(RESP.missing);
    }
    if (req.version !== ACP_VERSION || req.signMethod !== SIGN_METHOD_RSA || !/^utf-8$/i.test(req.encoding))
      refuse(RESP.format);
    if (req.merId !== keys.merId) refuse(RESP.merchant);
    if (req.certId !== keys.merchant.certId || !acpVerify(req, keys.merchant.certPem)) refuse(RESP.sign);
    if (!txnTypes.includes(req.txnType) || req.accessType !== '0') refuse(RESP.format);
    if (!isOrderId(req.orderId) || !parseBeijingStamp(req.txnTime)) refuse(RESP.format);
  };

  const requireConsumeFields = (req: AcpFields, channelType: string) => {
    for (const k of ['txnAmt', 'currencyCode', 'backUrl', 'channelType']) if (!req[k]) refuse(RESP.missing);
    if (req.txnType !== '01' || req.txnSubType !== '01' || req.bizType !== '000201') refuse(RESP.format);
    if (req.channelType !== channelType && !(channelType === '07' && req.channelType === '08'))
      refuse(RESP.format);
    if (!isTxnAmt(req.txnAmt) || req.currencyCode !== '156') refuse(RESP.format);
    if (!/^https?:\/\/[^\s]+$/.test(req.backUrl)) refuse(RESP.format);
    if (req.payTimeout !== undefined && !parseBeijingStamp(req.payTimeout)) refuse(RESP.format);
    const timeout = req.payTimeout ? parseBeijingStamp(req.payTimeout)! : undefined;
    if (timeout && timeout.getTime() <= ctx.clock.now().getTime()) refuse(RESP.timeout);
  };

  const findTxn = async (q: Queryable, orderId: string, lock = false) =>
    (
      await q.query<TxnRow>(
        `SELECT * FROM upsim_txns WHERE mer_id = $1 AND order_id = $2${lock ? ' FOR UPDATE' : ''}`,
        [keys.merId, orderId],
      )
    )[0];

  const stamp21 = () => beijingStamp(ctx.clock.now()) + String(randomInt(0, 1e7)).padStart(7, '0');

  /** Inserts a consume; an orderId already used is 12, unless `sameFormAgain` lets an identical front form reopen it. */
  const insertConsume = async (req: AcpFields, kind: 'app' | 'web') => {
    const fingerprint = JSON.stringify([
      req.txnTime,
      req.txnAmt,
      req.backUrl,
      req.frontUrl ?? null,
      req.payTimeout ?? null,
      req.channelType,
    ]);
    const now = ctx.clock.now();
    return ctx.db.tx(async (q) => {
      const existing = await findTxn(q, req.orderId, true);
      if (existing) {
        if (
          kind === 'web' &&
          existing.txn_type === '01' &&
          existing.fingerprint === fingerprint &&
          existing.resp_code === null
        )
          return existing;
        refuse(RESP.duplicate);
      }
      const [row] = await q.query<TxnRow>(
        `INSERT INTO upsim_txns (mer_id, order_id, txn_time, txn_type, channel_type, txn_amt, back_url, front_url, pay_timeout,
           tn, pay_code, fingerprint, created_at, updated_at)
         VALUES ($1, $2, $3, '01', $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING *`,
        [
          keys.merId,
          req.orderId,
          req.txnTime,
          req.channelType,
          Number(req.txnAmt),
          req.backUrl,
          req.frontUrl ?? null,
          req.payTimeout ? parseBeijingStamp(req.payTimeout) : null,
          kind === 'app' ? stamp21() : null,
          randomBytes(12).toString('hex'),
          fingerprint,
          now,
        ],
      );
      return row;
    });
  };

  /** A back-end API call: fault 5xx, authenticate, handle, sign the answer, maybe hold it. */
  const api =
    (txnTypes: string[], handler: (req: AcpFields) => Promise<AcpFields>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (faults.take('error_5xx'))
        return reply.status(500).type('text/html').send('<h1>500 Internal Server Error</h1>');
      const req = fieldsOf(request);
      let answer: AcpFields;
      try {
        authenticate(req, txnTypes);
        answer = { ...echo(req), ...(await handler(req)) };
      } catch (error) {
        if (!(error instanceof AcpRefusal)) throw error;
        answer = { ...echo(req), respCode: error.resp[0], respMsg: error.resp[1] };
      }
      const slow = faults.take('timeout');
      if (slow) await hold(slow.ms || 30_000);
      return reply.type('text/plain;charset=UTF-8').send(formatAnswer(signAsUnionpay(answer)));
    };

  app.post(
    `${API}/appTransReq.do`,
    api(['01'], async (req) => {
      requireConsumeFields(req, '08');
      const row = await insertConsume(req, 'app');
      return {
        respCode: RESP.ok[0],
        respMsg: RESP.ok[1],
        tn: row.tn!,
        txnAmt: req.txnAmt,
        currencyCode: '156',
      };
    }),
  );

  app.post(
    `${API}/queryTrans.do`,
    api(['00'], async (req) => {
      if (req.txnSubType !== '00') refuse(RESP.format);
      const row = await findTxn(ctx.db, req.orderId);
      // An order is looked up by orderId and the txnTime it was sent with; one the payer
      // never submitted does not exist for UnionPay yet.
      if (!row || row.txn_time !== req.txnTime || row.resp_code === null) refuse(RESP.notFound);
      return {
        respCode: RESP.ok[0],
        respMsg: RESP.ok[1],
        origRespCode: row!.resp_code!,
        origRespMsg: row!.resp_msg ?? '',
        queryId: row!.query_id ?? '',
        txnAmt: String(row!.txn_amt),
        currencyCode: '156',
        ...(row!.resp_code === '00'
          ? {
              settleAmt: String(row!.txn_amt),
              settleCurrencyCode: '156',
              settleDate: beijingStamp(ctx.clock.now()).slice(4, 8),
            }
          : {}),
        ...(row!.orig_qry_id ? { origQryId: row!.orig_qry_id } : {}),
      };
    }),
  );

  app.post(
    `${API}/backTransReq.do`,
    api(['04'], async (req) => {
      for (const k of ['txnAmt', 'origQryId', 'backUrl', 'channelType']) if (!req[k]) refuse(RESP.missing);
      if (req.txnSubType !== '00' || req.bizType !== '000201') refuse(RESP.format);
      if (!isTxnAmt(req.txnAmt) || (req.currencyCode !== undefined && req.currencyCode !== '156'))
        refuse(RESP.format);
      if (!/^https?:\/\/[^\s]+$/.test(req.backUrl)) refuse(RESP.format);
      const abnormal = faults.take('refund_fail');
      const now = ctx.clock.now();
      const row = await ctx.db.tx(async (q) => {
        if (await findTxn(q, req.orderId, true)) refuse(RESP.duplicate);
        const [orig] = await q.query<TxnRow>(
          `SELECT * FROM upsim_txns WHERE mer_id = $1 AND query_id = $2 AND txn_type = '01' FOR UPDATE`,
          [keys.merId, req.origQryId],
        );
        if (!orig || orig.resp_code !== '00') refuse(RESP.origState);
        const [{ sum }] = await q.query<{ sum: string | number }>(
          `SELECT COALESCE(SUM(txn_amt), 0) AS sum FROM upsim_txns WHERE orig_qry_id = $1 AND resp_code IN ('00', '05')`,
          [req.origQryId],
        );
        if (Number(sum) + Number(req.txnAmt) > Number(orig.txn_amt)) refuse(RESP.origMismatch);
        const [created] = await q.query<TxnRow>(
          `INSERT INTO upsim_txns (mer_id, order_id, txn_time, txn_type, channel_type, txn_amt, back_url, fingerprint,
             resp_code, resp_msg, query_id, orig_qry_id, outcome, settle_at, created_at, updated_at)
           VALUES ($1, $2, $3, '04', $4, $5, $6, '', '05', $7, $8, $9, $10, $11, $12, $12) RETURNING *`,
          [
            keys.merId,
            req.orderId,
            req.txnTime,
            req.channelType,
            Number(req.txnAmt),
            req.backUrl,
            RESP.accepted[1],
            stamp21(),
            req.origQryId,
            abnormal ? RESP.failed[0] : RESP.ok[0],
            new Date(now.getTime() + refundSettleMs),
            now,
          ],
        );
        return created;
      });
      return {
        respCode: RESP.ok[0],
        respMsg: RESP.ok[1],
        queryId: row.query_id!,
        origQryId: req.origQryId,
        txnAmt: req.txnAmt,
      };
    }),
  );

  // The payer's browser posts the merchant's signed form here; refusals are pages, as UnionPay's are.
  app.post(`${API}/frontTransReq.do`, async (request, reply) => {
    const req = fieldsOf(request);
    try {
      authenticate(req, ['01']);
      requireConsumeFields(req, '07');
      if (!req.frontUrl) refuse(RESP.missing);
      if (!/^https?:\/\/[^\s]+$/.test(req.frontUrl)) refuse(RESP.format);
      const row = await insertConsume(req, 'web');
      return reply.redirect(`${BASE_PATH}/cashier/${row.pay_code}`, 303);
    } catch (error) {
      if (!(error instanceof AcpRefusal)) throw error;
      return reply.status(200).type('text/html; charset=utf-8').send(errorPage(error.resp[0], error.resp[1]));
    }
  });

  // ---- back notifications: queued in the state's transaction, delivered on the schedule ----
  const queueNotice = async (q: Queryable, txn: TxnRow, fields: AcpFields): Promise<string> => {
    const now = ctx.clock.now();
    const id = randomUUID();
    await queueUnderFaults(q, {
      table: 'upsim_notices',
      faults,
      now,
      insert: ({ status, nextAt, flags }) =>
        q.query(
          `INSERT INTO upsim_notices (id, mer_id, order_id, back_url, fields, status, next_at, flags, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [id, txn.mer_id, txn.order_id, txn.back_url, JSON.stringify(fields), status, nextAt, flags, now],
        ),
    });
    return id;
  };

  const noticeFields = (txn: TxnRow): AcpFields => {
    const now = ctx.clock.now();
    const bj = beijingStamp(now);
    return signAsUnionpay({
      version: ACP_VERSION,
      encoding: 'UTF-8',
      txnType: txn.txn_type,
      txnSubType: txn.txn_type === '01' ? '01' : '00',
      bizType: '000201',
      accessType: '0',
      merId: txn.mer_id,
      orderId: txn.order_id,
      txnTime: txn.txn_time,
      txnAmt: String(txn.txn_amt),
      currencyCode: '156',
      queryId: txn.query_id ?? '',
      respCode: txn.resp_code ?? '',
      respMsg: txn.resp_msg ?? '',
      settleAmt: String(txn.txn_amt),
      settleCurrencyCode: '156',
      settleDate: bj.slice(4, 8),
      traceNo: String(randomInt(0, 1e6)).padStart(6, '0'),
      traceTime: bj.slice(4),
      ...(txn.orig_qry_id ? { origQryId: txn.orig_qry_id } : {}),
    });
  };

  const post = async (url: string, body: string): Promise<number | null> => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' };
    const answer = await reachMerchant({ method: 'POST', url, headers, body, timeoutMs: 5000 });
    return answer?.status ?? null;
  };

  /** One attempt of a claimed notice (UnionPay takes HTTP 200 only); the kit reschedules it on failure. */
  const notices = noticeDelivery<NoticeRow>(ctx, {
    table: 'upsim_notices',
    retryScheduleMs: NOTICE_RETRY_SCHEDULE_MS,
    send: async (n, number, flags) => {
      const fields = JSON.parse(n.fields) as AcpFields;
      const forge = !!flags.forge;
      const { signature: _s, signPubKeyCert: _c, ...unsigned } = fields;
      const sent = forge ? signAsUnionpay(unsigned, true) : fields;
      const status = await post(n.back_url, formEncode(sent));
      deliveries.push({
        noticeId: n.id,
        orderId: n.order_id,
        txnType: fields.txnType,
        attempt: number,
        status,
        forged: forge,
      });
      if (flags.duplicate) {
        const again = await post(n.back_url, formEncode(fields));
        deliveries.push({
          noticeId: n.id,
          orderId: n.order_id,
          txnType: fields.txnType,
          attempt: number,
          status: again,
          forged: false,
        });
      }
      return { status, ok: status === 200 };
    },
  });

  const settleRefunds = async () => {
    const due = await ctx.db.query<{ order_id: string }>(
      `SELECT order_id FROM upsim_txns WHERE txn_type = '04' AND resp_code = '05' AND settle_at <= $1 ORDER BY created_at`,
      [ctx.clock.now()],
    );
    for (const { order_id } of due) {
      await ctx.db.tx(async (q) => {
        const r = await findTxn(q, order_id, true);
        if (!r || r.resp_code !== '05') return;
        const ok = r.outcome === RESP.ok[0];
        const [settled] = await q.query<TxnRow>(
          `UPDATE upsim_txns SET resp_code = $3, resp_msg = $4, paid_at = $5, updated_at = $5
           WHERE mer_id = $1 AND order_id = $2 RETURNING *`,
          [
            r.mer_id,
            r.order_id,
            ok ? RESP.ok[0] : RESP.failed[0],
            ok ? RESP.ok[1] : RESP.failed[1],
            ctx.clock.now(),
          ],
        );
        // Only successful transactions are notified (ACP); a failed refund is found by query.
        if (ok && settled.back_url) await queueNotice(q, settled, noticeFields(settled));
      });
    }
  };

  const due = dueWork(async () => {
    await settleRefunds();
    await notices.deliverDue();
  });

  // ---- the payer ----
  const payerAct = async (orderId: string, action: 'pay' | 'decline') => {
    const now = ctx.clock.now();
    const outcome = await ctx.db.tx(async (q) => {
      const txn = await findTxn(q, orderId, true);
      if (!txn || txn.txn_type !== '01') return { ok: false, reason: '订单不存在' };
      if (txn.resp_code !== null)
        return { ok: false, reason: txn.resp_code === '00' ? '订单已支付' : '订单已失败' };
      const timeout = date(txn.pay_timeout);
      if (timeout && now.getTime() > timeout.getTime()) return { ok: false, reason: '订单已超时' };
      const [code, msg] = action === 'pay' ? RESP.ok : RESP.failed;
      const [done] = await q.query<TxnRow>(
        `UPDATE upsim_txns SET resp_code = $3, resp_msg = $4, query_id = $5, paid_at = $6, updated_at = $6
         WHERE mer_id = $1 AND order_id = $2 RETURNING *`,
        [txn.mer_id, orderId, code, msg, stamp21(), now],
      );
      const fields = noticeFields(done);
      // Only a successful consume gets a back notification; the front notification goes either way.
      const noticeId = action === 'pay' && done.back_url ? await queueNotice(q, done, fields) : undefined;
      return { ok: true, noticeId, front: done.front_url ? fields : undefined };
    });
    if (outcome.ok && outcome.noticeId) {
      await notices.deliverIfDue(outcome.noticeId);
      await due.settled();
    }
    return {
      ok: outcome.ok,
      ...('reason' in outcome ? { reason: outcome.reason } : {}),
      ...('front' in outcome && outcome.front ? { front: outcome.front } : {}),
    };
  };

  const byCode = async (code: string) =>
    /^[0-9a-f]{24}$/.test(code)
      ? (await ctx.db.query<TxnRow>('SELECT * FROM upsim_txns WHERE pay_code = $1', [code]))[0]
      : undefined;
  const notFound = (reply: FastifyReply) =>
    reply.status(404).type('text/html; charset=utf-8').send(errorPage(RESP.notFound[0], RESP.notFound[1]));
  const page = (reply: FastifyReply, txn: TxnRow, notice?: string) => {
    const timeout = date(txn.pay_timeout);
    return reply.type('text/html; charset=utf-8').send(
      cashierPage(
        {
          code: txn.pay_code!,
          merId: txn.mer_id,
          orderId: txn.order_id,
          txnAmt: Number(txn.txn_amt),
          respCode: txn.resp_code,
          respMsg: txn.resp_msg,
          expired: !!timeout && ctx.clock.now().getTime() > timeout.getTime(),
          channel: txn.tn ? 'app' : 'web',
        },
        BASE_PATH,
        notice,
      ),
    );
  };
  // What the UnionPay app SDK (or the Apple Pay control) opens for a tn.
  app.get(`${BASE_PATH}/app`, async (request, reply) => {
    const tn = (request.query as { tn?: unknown }).tn;
    const [txn] =
      typeof tn === 'string' && /^\d{21}$/.test(tn)
        ? await ctx.db.query<TxnRow>('SELECT * FROM upsim_txns WHERE tn = $1', [tn])
        : [];
    if (!txn) return notFound(reply);
    return reply.redirect(`${BASE_PATH}/cashier/${txn.pay_code}`, 303);
  });
  app.get(`${BASE_PATH}/cashier/:code`, async (request, reply) => {
    const txn = await byCode((request.params as { code: string }).code);
    return txn ? page(reply, txn) : notFound(reply);
  });
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/cashier/:code/${action}`, async (request, reply) => {
      const txn = await byCode((request.params as { code: string }).code);
      if (!txn) return notFound(reply);
      const result = await payerAct(txn.order_id, action);
      if (!result.ok) return page(reply.status(409), txn, result.reason);
      if (result.front && txn.front_url) {
        return reply.type('text/html; charset=utf-8').send(frontNotifyPage(txn.front_url, result.front));
      }
      return reply.redirect(`${BASE_PATH}/cashier/${txn.pay_code}`, 303);
    });
  }

  // ---- wiring ----
  const simulator: UnionpaySimulator = {
    ...sandboxSimulatorBase({ ctx, keys, faults, deliveries, link, due }),
    payerAct,
    submitFront: async (fields) => {
      const res = await app.inject({
        method: 'POST',
        url: `${API}/frontTransReq.do`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: formEncode(fields),
      });
      return res.statusCode === 303;
    },
    findTxn: async (orderId) => {
      const row = await findTxn(ctx.db, orderId);
      return row
        ? {
            merId: row.mer_id,
            txnType: row.txn_type,
            respCode: row.resp_code,
            txnAmt: Number(row.txn_amt),
            queryId: row.query_id,
            cashierUrl: row.pay_code ? `${publicUrl()}${BASE_PATH}/cashier/${row.pay_code}` : null,
          }
        : undefined;
    },
  };
  // The payer API: plays the payer of a merchant order (test helpers, a wallet). A web order
  // whose form no browser posted has no transaction yet: its fields are submitted first.
  for (const action of ['pay', 'decline'] as const) {
    app.post(`${BASE_PATH}/payer/${action}`, async (request, reply) => {
      const body = jsonBody(request.body);
      const orderId = typeof body.order_id === 'string' ? body.order_id : '';
      const fields = body.fields && typeof body.fields === 'object' ? (body.fields as AcpFields) : undefined;
      if (!orderId) return reply.status(404).send({ found: false });
      if (!(await simulator.findTxn(orderId))) {
        if (!fields || !(await simulator.submitFront(fields)))
          return reply.status(404).send({ found: false });
      }
      const done = await payerAct(orderId, action);
      if (!done.ok && !(await simulator.findTxn(orderId))) return reply.status(404).send({ found: false });
      return reply.send({ found: true, ok: done.ok });
    });
  }
  putInService({
    ctx,
    simulator,
    instances: simulators,
    life,
    tickMs: tickMsOf(options),
    due,
  });
}

/**
 * The default merchant as UnionPay's merchant service portal hands it to a developer (merId,
 * the signing key and its certId, the verification chain) with the simulator's gateway, in a
 * channel config's vocabulary (also for Apple Pay, which goes through UnionPay).
 */
export function unionpayDefaultMerchant(sim: UnionpaySimulator): {
  settings: Record<string, string | number | boolean>;
  secrets: Record<string, string>;
} {
  const { keys } = sim;
  return {
    settings: {
      mer_id: keys.merId,
      cert_id: keys.merchant.certId,
      base_url: `${sim.ctx.publicUrl.replace(/\/+$/, '')}${API}/`,
      timeout_ms: sim.clientTimeoutMs(),
      validate_cn_name: false,
    },
    secrets: {
      sign_private_key: keys.merchant.privateKeyPem,
      sign_cert: keys.merchant.certPem,
      middle_cert: keys.middleCertPem,
      root_cert: keys.rootCertPem,
    },
  };
}
