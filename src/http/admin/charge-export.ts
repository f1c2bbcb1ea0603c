import { PassThrough, Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { excel } from './excel.js';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { listCharges } from '../../core/payments/list-charges.js';
import type { Charge } from '../../domain/charge.js';
import { formatMinor } from '../../domain/money.js';
import { ChargeFilterQuery, chargeFilterParams } from './charge-filters.js';
import { JuheError } from '../../domain/errors.js';
import { requirePermission } from './kit.js';

const ExportQuery = Type.Object({
  ...ChargeFilterQuery,
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
  lang: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en-US')])),
  tz: Type.Optional(Type.String({ maxLength: 64, pattern: '^[A-Za-z_+-]+(/[A-Za-z0-9_+-]+)*$' })),
});

/** Rows per database page: big enough to keep round trips few, small enough to stream steadily. */
const PAGE = 1000;

const HEADERS = {
  'zh-CN': [
    '创建时间',
    '系统订单号',
    '商户订单号',
    '上游订单号',
    '渠道',
    '支付方式',
    '金额',
    '币种',
    '已退款',
    '状态',
    '门店',
    '商品',
    '支付时间',
  ],
  'en-US': [
    'Created',
    'Charge',
    'Order no.',
    'Upstream no.',
    'Channel',
    'Method',
    'Amount',
    'Currency',
    'Refunded',
    'Status',
    'Store',
    'Subject',
    'Paid at',
  ],
};

/**
 * GET /charges/export: the filtered list as CSV or XLSX, streamed page by page (keyset, so
 * a million rows cost the same per page as the first) and never held in memory whole.
 */
export async function chargeExportRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get(
    '/charges/export',
    { schema: { tags: ['charges'], querystring: ExportQuery }, preHandler: requirePermission('read') },
    async (request, reply) => {
      const q = request.query as Record<string, any>;
      const lang: 'zh-CN' | 'en-US' = q.lang ?? 'zh-CN';
      const tz = validZone(q.tz ?? 'Asia/Shanghai');
      const filter = chargeFilterParams(q);
      const stamp = new Date().toISOString().slice(0, 10);
      const time = new Intl.DateTimeFormat('sv-SE', {
        timeZone: tz,
        dateStyle: 'short',
        timeStyle: 'medium',
      });
      const when = (d: Date | null) => (d ? time.format(d) : '');
      const row = (c: Charge) => [
        when(c.createdAt),
        c.id,
        c.orderNo,
        c.transactionNo ?? '',
        c.channel,
        c.method,
        formatMinor(c.amount, c.currency),
        c.currency,
        formatMinor(c.amountRefunded, c.currency),
        c.status,
        c.storeId ?? '',
        c.subject,
        when(c.paidAt),
      ];
      const pages = async function* () {
        let cursor: string | undefined;
        do {
          const page = await listCharges(core.db, { ...filter, limit: PAGE, cursor });
          yield page.data;
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      };

      reply.header('cache-control', 'no-store');
      if (q.format === 'csv') {
        reply.header('content-type', 'text/csv; charset=utf-8');
        reply.header('content-disposition', `attachment; filename="charges-${stamp}.csv"`);
        // The BOM makes Excel read the file as UTF-8 (Chinese subjects stay readable).
        const lines = async function* () {
          yield '\uFEFF' + HEADERS[lang].map(csvField).join(',') + '\r\n';
          for await (const data of pages())
            yield data.map((c) => row(c).map(csvField).join(',') + '\r\n').join('');
        };
        return reply.send(Readable.from(lines()));
      }

      reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      reply.header('content-disposition', `attachment; filename="charges-${stamp}.xlsx"`);
      const out = new PassThrough();
      const workbook = new (excel().stream.xlsx.WorkbookWriter)({ stream: out, useSharedStrings: false });
      const sheet = workbook.addWorksheet('charges');
      sheet.addRow(HEADERS[lang]).commit();
      void (async () => {
        for await (const data of pages()) for (const c of data) sheet.addRow(row(c)).commit();
        sheet.commit();
        await workbook.commit();
      })().catch((error) => {
        request.log.error({ err: error }, 'charge export failed');
        out.destroy(error as Error);
      });
      return reply.send(out);
    },
  );
}

/** A field quoted when it must be; a leading =+-@ is defused so a spreadsheet never runs it as a formula. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function validZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    throw new JuheError('invalid_parameter', `Unknown time zone ${tz}`, 'tz');
  }
}
