import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/db.js';
import { chinaDateTime } from '../../domain/china-time.js';
import { formatYuan } from './codec.js';
import { NOTIFY_FAULTS, takeFault } from './faults.js';
import { rsaKeyPair, type SandboxAlipayApp } from './keys.js';
import type { Trade } from './repository.js';
import {
  claimDueNotifications,
  insertNotification,
  listNotifications,
  type NotificationRow,
  recordAttempt,
  releaseHeld,
} from './repository-notices.js';
import { rsa2Sign, signContent } from './sign.js';
import { type AlipaySim, now } from './state.js';

/** Alipay's documented async-notify schedule after the first attempt: 4m,10m,10m,1h,2h,6h,15h. */
export const NOTIFY_RETRY_DELAYS_MS = [4, 10, 10, 60, 120, 360, 900].map((m) => m * 60_000);

/** Outcome of one notification attempt, as the simulator saw it. */
export interface NotifyAttempt {
  id: string;
  status: number | null;
  body: string;
  acknowledged: boolean;
}

/** Builds the signed trade_status_sync form for a trade's current state and queues it. */
export async function enqueue(
  sim: AlipaySim,
  q: Queryable,
  app: SandboxAlipayApp,
  trade: Trade,
  extra: Record<string, string>,
): Promise<void> {
  if (!trade.notifyUrl) return;
  const at = now(sim);
  const form: Record<string, string> = {
    notify_time: chinaDateTime(at),
    notify_type: 'trade_status_sync',
    notify_id: randomUUID().replaceAll('-', ''),
    app_id: app.appId,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    trade_status: trade.status,
    total_amount: formatYuan(trade.totalAmount),
    subject: trade.subject,
    gmt_create: chinaDateTime(trade.createdAt),
    seller_id: `2088${app.appId.slice(-12)}`,
    ...extra,
  };
  if (trade.buyerId) form.buyer_id = trade.buyerId;
  if (trade.buyerLogonId) form.buyer_logon_id = trade.buyerLogonId;
  if (trade.paidAt) {
    form.gmt_payment = chinaDateTime(trade.paidAt);
    form.receipt_amount = formatYuan(trade.totalAmount);
    form.buyer_pay_amount = formatYuan(trade.totalAmount);
    form.fund_bill_list = JSON.stringify([
      { amount: formatYuan(trade.totalAmount), fundChannel: 'ALIPAYACCOUNT' },
    ]);
  }
  if (trade.closedAt) form.gmt_close = chinaDateTime(trade.closedAt);
  // Alipay signs notifications over every field except sign and sign_type.
  form.sign = rsa2Sign(signContent(form, ['sign', 'sign_type']), app.alipayPrivateKey);

  const fault = await takeFault(sim, NOTIFY_FAULTS, undefined, q);
  const id = `ntf_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
  let state = 'pending';
  let nextAt = at;
  if (fault?.kind === 'drop') state = 'dropped';
  if (fault?.kind === 'reorder') state = 'held';
  if (fault?.kind === 'delay') nextAt = new Date(at.getTime() + Number(fault.params.ms ?? 60_000));
  const base = { appId: app.appId, tradeNo: trade.tradeNo, url: trade.notifyUrl, now: at };
  await insertNotification(q, { ...base, id, form, state, nextAt });
  if (fault?.kind === 'duplicate') {
    await insertNotification(q, { ...base, id: `${id}d`, form, state: 'pending', nextAt });
  }
  if (fault?.kind === 'forge') {
    // An attacker's copy: the amount changed, the signature made with a key that is not Alipay's.
    const forged: Record<string, string> = {
      ...form,
      total_amount: formatYuan(trade.totalAmount + 100),
      notify_id: `${form.notify_id}f`,
    };
    forged.sign = rsa2Sign(signContent(forged, ['sign', 'sign_type']), forgerKey());
    await insertNotification(q, { ...base, id: `${id}f`, form: forged, state: 'forged', nextAt: at });
  }
}

/**
 * Sends every notification that is due by the injected clock (first attempts and
 * retries), oldest first, and returns the attempts made. One pass runs at a time per
 * process: a call made while one runs (the worker, or a receiver that calls the gateway
 * back from its notify handler) returns at once and the running pass picks its notices
 * up, so nobody waits on itself. Across processes rows are claimed under SKIP LOCKED with
 * a one-minute lease, so two nodes never post the same attempt.
 */
export async function deliverDue(sim: AlipaySim): Promise<NotifyAttempt[]> {
  if (sim.delivery.running) {
    sim.delivery.moreDue = true;
    return [];
  }
  sim.delivery.running = true;
  const attempts: NotifyAttempt[] = [];
  try {
    do {
      sim.delivery.moreDue = false;
      attempts.push(...(await deliverDueNow(sim)));
    } while (sim.delivery.moreDue);
  } finally {
    sim.delivery.running = false;
  }
  return attempts;
}

async function deliverDueNow(sim: AlipaySim): Promise<NotifyAttempt[]> {
  const attempts: NotifyAttempt[] = [];
  for (;;) {
    const at = now(sim);
    const claimed = await claimDueNotifications(sim.ctx.db, at, new Date(at.getTime() + 60_000));
    if (claimed.length === 0) return attempts;
    const ordered = claimed.sort(
      (a, b) =>
        Number(b.state === 'forged') - Number(a.state === 'forged') ||
        new Date(a.due_at).getTime() - new Date(b.due_at).getTime() ||
        Number(a.seq) - Number(b.seq),
    );
    for (const row of ordered) {
      attempts.push(await attempt(sim, row));
      // A held (reordered) notification goes out right after the next one for its app.
      if (row.state !== 'forged') await releaseHeld(sim.ctx.db, row.app_id, at);
    }
  }
}

async function attempt(
  sim: AlipaySim,
  row: NotificationRow & { due_at: Date | string },
): Promise<NotifyAttempt> {
  const form = (typeof row.params === 'string' ? JSON.parse(row.params) : row.params) as Record<
    string,
    string
  >;
  let status: number | null = null;
  let body: string;
  try {
    const answer = await sim.send(row.url, form);
    status = answer.status;
    body = answer.body;
  } catch (error) {
    body = `transport error: ${(error as Error).message}`;
  }
  // Alipay counts only the exact body "success" as received.
  const acknowledged = status === 200 && body.trim() === 'success';
  const attempts = Number(row.attempts) + 1;
  const delay = NOTIFY_RETRY_DELAYS_MS[attempts - 1];
  const state =
    row.state === 'forged' || acknowledged ? 'delivered' : delay === undefined ? 'given_up' : 'pending';
  // Retries count from when this attempt was due, not from the lease.
  const base = new Date(row.due_at).getTime();
  await recordAttempt(sim.ctx.db, {
    id: row.id,
    state,
    attempts,
    nextAt: new Date(base + (delay ?? 0)),
    lastResult: `${status ?? '-'} ${body.slice(0, 200)}`,
  });
  return { id: row.id, status, body, acknowledged };
}

/** The notifications sent or owed, oldest first, as the admin API lists them. */
export async function notifications(
  sim: AlipaySim,
  filter: { tradeNo?: string; outTradeNo?: string } = {},
): Promise<Record<string, unknown>[]> {
  const found = await listNotifications(sim.ctx.db, filter);
  return found.map((r) => ({
    id: r.id,
    trade_no: r.trade_no,
    url: r.url,
    state: r.state,
    attempts: Number(r.attempts),
    next_at: new Date(r.next_at).toISOString(),
    last_result: r.last_result,
    last_attempt_seq: r.last_attempt_seq === null ? null : Number(r.last_attempt_seq),
    params: typeof r.params === 'string' ? JSON.parse(r.params) : r.params,
  }));
}

let forger: string | undefined;
function forgerKey(): string {
  forger ??= rsaKeyPair().privateKey;
  return forger;
}
