import type { Query } from '../../api/client';
import { dayjs, presetRange, type TimePreset } from '../../i18n/dates';
import { STATES, type State } from './types';

export interface Filters {
  state?: State;
  product?: string;
  store?: string;
  time: TimePreset | 'custom';
  range?: [string, string];
  search?: string;
}

/** The page's filters as the list (and export) API's query parameters. */
export function filterQuery(f: Filters, tz: string, now = new Date()): Query {
  const query: Query = {};
  if (f.state) Object.assign(query, STATES[f.state]);
  if (f.product) {
    const [channel, method] = f.product.split('.');
    query.channel = channel;
    query.method = method;
  }
  if (f.store) query.store = f.store;
  if (f.search?.trim()) query.any_no = f.search.trim();
  if (f.time === 'custom') {
    if (f.range) {
      query.created_gte = dayjs.tz(f.range[0], tz).startOf('day').toISOString();
      query.created_lte = dayjs.tz(f.range[1], tz).endOf('day').toISOString();
    }
  } else {
    const range = presetRange(f.time, tz, now);
    query.created_gte = range.from;
    query.created_lte = new Date(new Date(range.to).getTime() - 1).toISOString();
  }
  return query;
}
