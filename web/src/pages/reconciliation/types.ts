export type RunStatus = 'running' | 'completed' | 'not_ready' | 'failed';

export interface Run {
  id: string;
  config: string;
  provider: string;
  livemode: boolean;
  app: string | null;
  date: string;
  trigger: 'daily' | 'manual';
  status: RunStatus;
  statement: string | null;
  rows_read: number;
  counts: Record<string, number>;
  fee_total: number;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface Item {
  id: number;
  run: string;
  class: ItemClass;
  provider: string;
  livemode: boolean;
  app: string | null;
  date: string;
  charge: string | null;
  refund: string | null;
  out_trade_no: string | null;
  out_refund_no: string | null;
  transaction_no: string | null;
  upstream_amount: number | null;
  local_amount: number | null;
  local_status: string | null;
  fee: number | null;
  detail: string;
  created_at: string;
}

/** The classes a listed item can have (matched lines are counted on the run, not listed). */
export const ITEM_CLASSES = [
  'repaired',
  'missing_here',
  'missing_upstream',
  'amount_mismatch',
  'status_mismatch',
  'refund_mismatch',
] as const;
export type ItemClass = (typeof ITEM_CLASSES)[number];

/** The classes that still need a person: a repaired line was fixed by the run itself. */
export const MISMATCH_CLASSES: readonly string[] = ITEM_CLASSES.filter((c) => c !== 'repaired');

export const CLASS_COLOR: Record<string, string> = {
  matched: 'green',
  fee_recorded: 'cyan',
  repaired: 'blue',
  missing_here: 'volcano',
  missing_upstream: 'orange',
  amount_mismatch: 'red',
  status_mismatch: 'magenta',
  refund_mismatch: 'purple',
};

export const STATUS_COLOR: Record<RunStatus, string> = {
  running: 'processing',
  completed: 'success',
  not_ready: 'warning',
  failed: 'error',
};

/** Lines of a run that still need a person. */
export function mismatches(run: Pick<Run, 'counts'>): number {
  return MISMATCH_CLASSES.reduce((sum, c) => sum + (run.counts[c] ?? 0), 0);
}

/** The providers with a statement to reconcile (cash and custom tenders have none). */
export const RECONCILABLE = ['alipay', 'wechatpay', 'unionpay', 'paypal', 'lakala'] as const;

/** Statement amounts carry no currency: PayPal's are dollars, the Chinese channels' yuan. */
export const currencyOf = (provider: string) => (provider === 'paypal' ? 'USD' : 'CNY');
