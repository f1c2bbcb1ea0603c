import { PassThrough, Readable } from 'node:stream';
import { excel } from './excel.js';
import type { FastifyReply } from 'fastify';

export type ExportFormat = 'csv' | 'xlsx';

/** One CSV field: quoted when it holds a comma, quote or line break; a leading =,+,-,@ is defused for spreadsheets. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function* csvLines(columns: readonly string[], rows: AsyncIterable<Record<string, unknown>>) {
  yield '\uFEFF' + columns.join(',') + '\r\n'; // the BOM: Excel opens UTF-8 (Chinese subjects) correctly
  for await (const row of rows) yield columns.map((c) => csvField(row[c])).join(',') + '\r\n';
}

/**
 * Streams a table as CSV or XLSX (exceljs's streaming writer): rows are pulled from the
 * iterator as the client reads, so an export of a big day is never built in memory.
 */
export function sendTable(
  reply: FastifyReply,
  format: ExportFormat,
  filename: string,
  columns: readonly string[],
  rows: AsyncIterable<Record<string, unknown>>,
): FastifyReply {
  reply.header('Content-Disposition', `attachment; filename="${filename}.${format}"`);
  if (format === 'csv') {
    return reply.type('text/csv; charset=utf-8').send(Readable.from(csvLines(columns, rows)));
  }
  const out = new PassThrough();
  const book = new (excel().stream.xlsx.WorkbookWriter)({
    stream: out,
    useSharedStrings: false,
    useStyles: false,
  });
  const sheet = book.addWorksheet(filename.slice(0, 31));
  sheet.columns = columns.map((c) => ({ header: c, key: c }));
  void (async () => {
    for await (const row of rows) sheet.addRow(row).commit();
    sheet.commit();
    await book.commit();
  })().catch((error: Error) => out.destroy(error));
  return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(out);
}
