import { createRequire } from 'node:module';

type ExcelJs = typeof import('exceljs');

let loaded: ExcelJs | undefined;

/**
 * exceljs, loaded the first time an XLSX export runs rather than when the server starts:
 * with its dependencies it was about a tenth of a second of every start-up's CPU, for a
 * download most processes never serve. Synchronous (exceljs is CommonJS), so exporters keep
 * their shape.
 */
export function excel(): ExcelJs {
  loaded ??= createRequire(import.meta.url)('exceljs') as ExcelJs;
  return loaded;
}
