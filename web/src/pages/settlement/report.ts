/** One line of `GET /settlement_reports`: a period, app, store and channel; amounts in minor units. */
export interface ReportLine {
  period: string;
  app_id: string;
  store_id: string | null;
  channel: string;
  charges: number;
  gross: number;
  refunds: number;
  refunded: number;
  fees: number;
  net: number;
}

export type Totals = Pick<ReportLine, 'charges' | 'gross' | 'refunds' | 'refunded' | 'fees' | 'net'>;
export type Dimension = 'period' | 'app_id' | 'store_id' | 'channel';

/** Statement amounts carry no currency: PayPal's lines are dollars, every other channel's yuan. */
export const currencyOf = (channel: string) => (channel === 'paypal' ? 'USD' : 'CNY');

export const zero = (): Totals => ({ charges: 0, gross: 0, refunds: 0, refunded: 0, fees: 0, net: 0 });

function add(into: Totals, line: Totals): void {
  into.charges += line.charges;
  into.gross += line.gross;
  into.refunds += line.refunds;
  into.refunded += line.refunded;
  into.fees += line.fees;
  into.net += line.net;
}

/**
 * The lines summed by one dimension and currency (integer sums: minor units stay exact),
 * ordered by the dimension's value.
 */
export function groupBy(
  lines: readonly ReportLine[],
  by: Dimension,
): (Totals & { key: string; currency: string })[] {
  const groups = new Map<string, Totals & { key: string; currency: string }>();
  for (const line of lines) {
    const key = line[by] ?? '';
    const currency = currencyOf(line.channel);
    const id = `${key}|${currency}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, currency, ...zero() }));
    add(g, line);
  }
  return [...groups.values()].sort(
    (a, b) => a.key.localeCompare(b.key) || a.currency.localeCompare(b.currency),
  );
}

/** Totals per currency over every line. */
export function totals(lines: readonly ReportLine[]): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const line of lines) {
    const currency = currencyOf(line.channel);
    if (!out.has(currency)) out.set(currency, zero());
    add(out.get(currency)!, line);
  }
  return out;
}
