import { autoRefundsDuplicates, setAutoRefundDuplicates } from '../../db/apps.js';
import type { Queryable } from '../../db/db.js';
import { JuheError } from '../../domain/errors.js';

/** The app's duplicate-payment policy: whether a second paid attempt of one order is refunded automatically. */
export async function duplicatePolicyOf(q: Queryable, appId: string): Promise<{ autoRefund: boolean }> {
  const on = await autoRefundsDuplicates(q, appId);
  if (on === undefined) throw new JuheError('app_not_found', undefined, 'id');
  return { autoRefund: on };
}

/** Turns the automatic refund of duplicate payments on or off for one app (in `q`'s transaction). */
export async function setDuplicatePolicy(q: Queryable, appId: string, autoRefund: boolean): Promise<void> {
  if (!(await setAutoRefundDuplicates(q, appId, autoRefund))) {
    throw new JuheError('app_not_found', undefined, 'id');
  }
}
