import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type StatementSpoilers, StatementFaults, takeSpoilers } from '../_kit/statement-faults.js';
import { money, PaypalError, paypalTime } from './codec.js';
import { PAYPAL_BASE_PATH, type PpSim } from './context.js';
import * as repo from './repository.js';
import type { Api } from './routes.js';
import { captureFee } from './shapes.js';

/** PayPal: "it takes a maximum of three hours for executed transactions to appear". */
export const DEFAULT_REPORTING_LAG_MS = 3 * 3600_000;
const MAX_RANGE_MS = 31 * 86_400_000;

/** What the simulator handle offers tests about the Transaction Search API. */
export interface PaypalReporting {
  faults: StatementFaults;
  /** How far behind the clock `last_refreshed_datetime` stays. */
  setLag(ms: number): void;
}

/** One transaction as Transaction Search lists it (transaction_info and payer_info). */
interface Listed {
  at: Date;
  status: string;
  info: Record<string, unknown>;
  payer?: Record<string, unknown>;
}

const CAPTURE_STATUS: Record<string, string> = {
  COMPLETED: 'S',
  PARTIALLY_REFUNDED: 'F',
  REFUNDED: 'V',
  PENDING: 'P',
  DECLINED: 'D',
};
const REFUND_STATUS: Record<string, string> = { COMPLETED: 'S', PENDING: 'P', FAILED: 'D' };

const badQuery = (field: string, value: unknown, issue: string) =>
  new PaypalError(400, 'INVALID_REQUEST', [
    { field, value: String(value ?? ''), location: 'query', issue, description: issue },
  ]);

/** RFC 3339 with seconds and an offset (2026-03-01T00:00:00-0700 or +08:00 or Z), as PayPal requires. */
function instant(value: unknown, field: string): Date {
  const ok =
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(value);
  const at = ok ? new Date((value as string).replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : undefined;
  if (!at || Number.isNaN(at.getTime())) throw badQuery(field, value, 'Invalid date format');
  return at;
}

function positive(value: unknown, field: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max)) throw badQuery(field, value, `${field} must be between 1 and ${max}`);
  return n;
}

/**
 * PayPal's Transaction Search, `GET /v1/reporting/transactions` (bearer token like every
 * REST call): the app's captures (T0006) and refunds (T1107) initiated in [start_date,
 * end_date), each with its amount and PayPal's fee as signed decimal strings, paged by
 * page / page_size, and `last_refreshed_datetime`: data exists only up to it (the lag), and
 * a start after it is "Data for the given start date is not available". Statement faults:
 * not_ready (nothing refreshed since before the range), extra_row (a payment the merchant
 * never made), missing_row (one left out), corrupt (a page cut short); wrong_hash has no
 * meaning here (no file, no hash). Spoilers hold for every page of one range.
 */
export function reportingRoutes(
  app: FastifyInstance,
  sim: PpSim,
  api: Api,
  lagMs = DEFAULT_REPORTING_LAG_MS,
): PaypalReporting {
  const faults = new StatementFaults();
  const spoiled = new Map<string, { spoilers: StatementSpoilers; notReady: boolean }>();

  const listed = async (start: Date, end: Date): Promise<Listed[]> => {
    const clientId = sim.keys.clientId;
    const captures = await repo.capturesBetween(sim.ctx.db, clientId, start, end);
    const refunds = await repo.refundsBetween(sim.ctx.db, clientId, start, end);
    const out: Listed[] = captures.map((o) => ({
      at: new Date(o.captured_at!),
      status: CAPTURE_STATUS[o.capture_status ?? ''] ?? 'P',
      info: {
        paypal_account_id: o.payer_id ?? undefined,
        transaction_id: o.capture_id,
        paypal_reference_id: o.id,
        paypal_reference_id_type: 'ODR',
        transaction_event_code: 'T0006',
        transaction_initiation_date: paypalTime(new Date(o.captured_at!)),
        transaction_updated_date: paypalTime(new Date(o.updated_at)),
        transaction_amount: money(Number(o.amount), o.currency),
        fee_amount: money(o.capture_status === 'DECLINED' ? 0 : -captureFee(Number(o.amount)), o.currency),
        transaction_status: CAPTURE_STATUS[o.capture_status ?? ''] ?? 'P',
        ...(o.invoice_id ? { invoice_id: o.invoice_id } : {}),
        ...(o.custom_id ? { custom_field: o.custom_id } : {}),
        protection_eligibility: '01',
      },
      payer: o.payer_id ? { account_id: o.payer_id, email_address: o.payer_email } : undefined,
    }));
    for (const r of refunds) {
      const status = REFUND_STATUS[r.status] ?? 'P';
      out.push({
        at: new Date(r.created_at),
        status,
        info: {
          paypal_account_id: r.payer_id ?? undefined,
          transaction_id: r.id,
          paypal_reference_id: r.capture_id,
          paypal_reference_id_type: 'TXN',
          transaction_event_code: 'T1107',
          transaction_initiation_date: paypalTime(new Date(r.created_at)),
          transaction_updated_date: paypalTime(new Date(r.updated_at)),
          transaction_amount: money(-Number(r.amount), r.currency),
          fee_amount: money(status === 'D' ? 0 : captureFee(Number(r.amount)), r.currency),
          transaction_status: status,
          ...((r.invoice_id ?? r.order_invoice_id) ? { invoice_id: r.invoice_id ?? r.order_invoice_id } : {}),
          ...((r.custom_id ?? r.order_custom_id) ? { custom_field: r.custom_id ?? r.order_custom_id } : {}),
        },
        payer: r.payer_id ? { account_id: r.payer_id, email_address: r.payer_email } : undefined,
      });
    }
    return out.sort(
      (a, b) =>
        a.at.getTime() - b.at.getTime() ||
        String(a.info.transaction_id).localeCompare(String(b.info.transaction_id)),
    );
  };

  app.get(
    `${PAYPAL_BASE_PATH}/v1/reporting/transactions`,
    api(async ({ query }) => {
      const start = instant(query.start_date, 'start_date');
      const end = instant(query.end_date, 'end_date');
      if (end.getTime() <= start.getTime())
        throw badQuery('end_date', query.end_date, 'end_date must be after start_date');
      if (end.getTime() - start.getTime() > MAX_RANGE_MS) {
        throw badQuery('end_date', query.end_date, 'The date range can be at most 31 days');
      }
      const page = positive(query.page, 'page', 1, 9999);
      const pageSize = positive(query.page_size, 'page_size', 100, 500);
      const status = query.transaction_status;
      if (status !== undefined && !['S', 'P', 'V', 'D', 'F'].includes(status)) {
        throw badQuery('transaction_status', status, 'Invalid transaction_status');
      }
      const key = `${start.toISOString()}|${end.toISOString()}`;
      let spoil = spoiled.get(key);
      if (!spoil || page === 1) {
        spoil = { spoilers: takeSpoilers(faults), notReady: !!faults.take('not_ready') };
        spoiled.set(key, spoil);
      }
      const now = sim.ctx.clock.now().getTime();
      const refreshed = new Date(
        spoil.notReady ? Math.min(now - lagMs, start.getTime() - 1000) : now - lagMs,
      );
      if (start.getTime() > refreshed.getTime()) {
        throw new PaypalError(400, 'INVALID_REQUEST', [], 'Data for the given start date is not available.');
      }
      let all = (await listed(start, end)).filter((t) => t.at.getTime() <= refreshed.getTime());
      if (spoil.spoilers.missingRow) all = all.slice(1);
      if (spoil.spoilers.extraRow) all.push(stranger(start, sim.keys.merchantId));
      if (status !== undefined) all = all.filter((t) => t.status === status);
      const fieldsAll = typeof query.fields === 'string' && query.fields.split(',').includes('all');
      const slice = all.slice((page - 1) * pageSize, page * pageSize);
      const totalPages = Math.max(1, Math.ceil(all.length / pageSize));
      const self = `${sim.base()}/v1/reporting/transactions`;
      return {
        status: 200,
        body: {
          transaction_details: slice.map((t) => ({
            transaction_info: t.info,
            ...(fieldsAll
              ? {
                  payer_info: t.payer ?? {},
                  cart_info: {},
                  store_info: {},
                  auction_info: {},
                  incentive_info: {},
                }
              : {}),
          })),
          account_number: sim.keys.merchantId,
          start_date: paypalTime(start),
          end_date: paypalTime(end),
          last_refreshed_datetime: paypalTime(refreshed),
          page,
          total_items: all.length,
          total_pages: totalPages,
          links: [{ href: `${self}?page=${page}&page_size=${pageSize}`, rel: 'self', method: 'GET' }],
        },
        cut: spoil.spoilers.corrupt && page === totalPages,
      };
    }),
  );
  return { faults, setLag: (ms) => void (lagMs = ms) };
}

/** A payment PayPal lists that the merchant never made (fault extra_row). */
function stranger(start: Date, merchantId: string): Listed {
  const at = new Date(start.getTime() + 3_600_000);
  const id = randomBytes(9).toString('hex').toUpperCase().slice(0, 17);
  return {
    at,
    status: 'S',
    info: {
      transaction_id: id,
      paypal_reference_id: `STRANGER${merchantId}`,
      paypal_reference_id_type: 'ODR',
      transaction_event_code: 'T0006',
      transaction_initiation_date: paypalTime(at),
      transaction_updated_date: paypalTime(at),
      transaction_amount: money(888, 'USD'),
      fee_amount: money(-captureFee(888), 'USD'),
      transaction_status: 'S',
      invoice_id: `STRANGER-${id}`,
    },
  };
}
