import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { chinaStamp } from '../../domain/china-time.js';
import { rawBody } from '../_kit/raw-body.js';
import { type AcpFields, answerText, decodeForm, isHttpUrl } from './acp.js';
import { authenticate, requireConsumeFields, requireRefundFields } from './auth.js';
import type { UnionpayBills } from './bills.js';
import { AcpRefusal, RESP, echo, ok, refuse } from './codec.js';
import { errorPage } from './pages.js';
import { API, BASE_PATH, type UnionpayParts } from './parts.js';
import { findTxn } from './repository.js';
import type { UnionpayTransitions } from './transitions.js';

/** Where the file download transaction is posted (ACP's acpsdk.fileTransUrl, its own host upstream). */
export const FILE_PATH = `${BASE_PATH}/filedownload/`;

/**
 * The ACP back-end endpoints (appTransReq.do, queryTrans.do, backTransReq.do and the file
 * download), each: fault 5xx, authenticate, handle, sign the answer, maybe hold it; and
 * frontTransReq.do, where the payer's browser posts the merchant's signed form.
 */
export function gatewayRoutes(
  app: FastifyInstance,
  p: UnionpayParts,
  t: UnionpayTransitions,
  bills: UnionpayBills,
  hold: (ms: number) => Promise<void>,
): void {
  const { ctx, keys, faults } = p;
  const fieldsOf = (request: FastifyRequest) => decodeForm(rawBody(request));

  const api =
    (txnTypes: string[], handler: (req: AcpFields) => Promise<AcpFields>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (faults.take('error_5xx'))
        return reply.status(500).type('text/html').send('<h1>500 Internal Server Error</h1>');
      const req = fieldsOf(request);
      let answer: AcpFields;
      try {
        authenticate(keys, req, txnTypes);
        answer = { ...echo(req), ...(await handler(req)) };
      } catch (error) {
        if (!(error instanceof AcpRefusal)) throw error;
        answer = { ...echo(req), respCode: error.resp[0], respMsg: error.resp[1] };
      }
      const slow = faults.take('timeout');
      if (slow) await hold(slow.ms || 30_000);
      const signed = p.signer.sign(answer);
      // The statement fault wrong_hash: signed over a field that is then left out.
      delete signed.tamperedWith;
      return reply.type('text/plain;charset=UTF-8').send(answerText(signed));
    };

  app.post(
    `${API}/appTransReq.do`,
    api(['01'], async (req) => {
      requireConsumeFields(req, '08', ctx.clock.now());
      const row = await t.openConsume(req, 'app');
      return { ...ok(), tn: row.tn!, txnAmt: req.txnAmt, currencyCode: '156' };
    }),
  );

  app.post(
    `${API}/queryTrans.do`,
    api(['00'], async (req) => {
      if (req.txnSubType !== '00') refuse(RESP.format);
      const row = await findTxn(ctx.db, keys.merId, req.orderId);
      // An order is looked up by orderId and the txnTime it was sent with; one the payer
      // never submitted does not exist for UnionPay yet.
      if (!row || row.txn_time !== req.txnTime || row.resp_code === null) return refuse(RESP.notFound);
      const paid = row.resp_code === '00';
      return {
        ...ok(),
        origRespCode: row.resp_code,
        origRespMsg: row.resp_msg ?? '',
        queryId: row.query_id ?? '',
        txnAmt: String(row.txn_amt),
        currencyCode: '156',
        ...(paid ? { settleAmt: String(row.txn_amt), settleCurrencyCode: '156' } : {}),
        ...(paid ? { settleDate: settleDateOf(ctx.clock.now()) } : {}),
        ...(row.orig_qry_id ? { origQryId: row.orig_qry_id } : {}),
      };
    }),
  );

  app.post(
    `${API}/backTransReq.do`,
    api(['04'], async (req) => {
      requireRefundFields(req);
      const row = await t.acceptRefund(req);
      return { ...ok(), queryId: row.query_id!, origQryId: req.origQryId, txnAmt: req.txnAmt };
    }),
  );

  app.post(
    FILE_PATH,
    api(['76'], (req) => bills.download(req)),
  );

  // The payer's browser posts the merchant's signed form here; refusals are pages, as UnionPay's are.
  app.post(`${API}/frontTransReq.do`, async (request, reply) => {
    const req = fieldsOf(request);
    try {
      authenticate(keys, req, ['01']);
      requireConsumeFields(req, '07', ctx.clock.now());
      if (!req.frontUrl) refuse(RESP.missing);
      if (!isHttpUrl(req.frontUrl)) refuse(RESP.format);
      const row = await t.openConsume(req, 'web');
      return reply.redirect(`${BASE_PATH}/cashier/${row.pay_code}`, 303);
    } catch (error) {
      if (!(error instanceof AcpRefusal)) throw error;
      return reply.status(200).type('text/html; charset=utf-8').send(errorPage(error.resp[0], error.resp[1]));
    }
  });
}

/** settleDate: the MMDD of the China day. */
const settleDateOf = (now: Date) => chinaStamp(now).slice(4, 8);
