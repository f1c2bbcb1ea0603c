import type { ItemRecord } from '../../db/reconciliation.js';

/** Tallies a run's classes and buffers its items (written per batch). */
export class Tally {
  readonly counts: Record<string, number> = {};
  feeTotal = 0;
  items: ItemRecord[] = [];
  constructor(
    private readonly base: Pick<ItemRecord, 'runId' | 'provider' | 'livemode' | 'appId' | 'billDate'>,
  ) {}
  get runId(): string {
    return this.base.runId;
  }
  count(cls: string): void {
    this.counts[cls] = (this.counts[cls] ?? 0) + 1;
  }
  item(cls: string, fields: Partial<ItemRecord> & { detail: string }, at: Date): void {
    this.count(cls);
    this.items.push({
      ...this.base,
      class: cls,
      chargeId: null,
      refundId: null,
      outTradeNo: null,
      outRefundNo: null,
      transactionNo: null,
      upstreamAmount: null,
      localAmount: null,
      localStatus: null,
      fee: null,
      ...fields,
      createdAt: at,
    });
  }
  mismatches(): number {
    return Object.entries(this.counts)
      .filter(([k]) => k !== 'matched' && k !== 'fee_recorded')
      .reduce((s, [, n]) => s + n, 0);
  }
}
