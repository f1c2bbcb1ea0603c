import { type ReportLine, settlementSummary } from '../../db/settlement-reports.js';
import { JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { requireDay, shanghaiDayRange } from './days.js';

export interface ReportParams {
  period: 'day' | 'month';
  /** First and last day included, Asia/Shanghai. */
  from: string;
  to: string;
  livemode: boolean;
  appId?: string;
}

/** Settlement summaries for finance over at most 400 days. */
export async function settlementReport(core: Core, p: ReportParams): Promise<ReportLine[]> {
  const from = shanghaiDayRange(requireDay(p.from, 'from')).start;
  const to = shanghaiDayRange(requireDay(p.to, 'to')).end;
  if (to <= from) throw new JuheError('invalid_parameter', 'to must not be before from', 'to');
  if (to.getTime() - from.getTime() > 400 * 86_400_000) {
    throw new JuheError('invalid_parameter', 'A report covers at most 400 days', 'to');
  }
  return settlementSummary(core.db, { period: p.period, from, to, livemode: p.livemode, appId: p.appId });
}
