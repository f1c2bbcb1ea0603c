import type { FormInstance } from 'antd';
import { ApiError } from '../api/client';

/**
 * Puts the server's refusal next to the field it names (`error.param`, e.g. "amount" or
 * "body.amount"); answers false when no field of the form matches, so the caller shows the
 * message at the top of the form instead.
 */
export function showServerError(form: FormInstance, error: unknown, fields: readonly string[]): boolean {
  if (!(error instanceof ApiError) || !error.param) return false;
  const name = error.param.replace(/^(body|query|params)\./, '');
  const field = fields.find((f) => f === name || name.endsWith(`.${f}`));
  if (!field) return false;
  form.setFields([{ name: field, errors: [error.message] }]);
  return true;
}
