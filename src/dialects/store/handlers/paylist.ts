import { availableTags, matchesTypes, payTagView } from '../channels.js';
import { StoreError } from '../errors.js';
import type { StoreContext, StoreResult } from '../handler.js';

/**
 * 4.1 paylist: the store's pay tags. `pmt_type` narrows the list ("2,3" or 2 or 0); see
 * channels.ts matchesTypes for why 0 means everything and Cash and Diy always show.
 */
export async function paylist({ core, store, data }: StoreContext): Promise<StoreResult> {
  const wanted = parseTypes(data.pmt_type);
  const tags = (await availableTags(core, store)).filter((t) => matchesTypes(t, wanted));
  return { data: tags.map(payTagView) };
}

function parseTypes(raw: unknown): number[] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return [raw];
  if (typeof raw === 'string' && /^\s*\d{1,2}(\s*,\s*\d{1,2})*\s*,?\s*$/.test(raw)) {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(Number);
  }
  throw new StoreError('invalid_parameter', 'pmt_type必须是以逗号分隔的支付类型，如"2,3,4"');
}
