import type { Dispatcher } from 'undici';
import type { Core } from '../core/context.js';
import { serializeCharge, serializeRefund } from '../core/serialize.js';
import type { Charge } from '../domain/charge.js';
import { JuheError } from '../domain/errors.js';
import { acknowledged, buildRequest } from './deliver.js';
import { activeSecrets, findEndpoint } from './endpoints.js';
import type { OutgoingRequest, StoredEvent } from './format.js';
import { findFormat } from './formats/index.js';
import { type SendResult, deliveryAgent, sendRequest } from './send.js';
import { defaultAllowPrivateTargets } from './ssrf.js';

export interface TestEventResult {
  event: StoredEvent;
  request: OutgoingRequest;
  response: { status: number; headers: Record<string, string>; body: string; truncated: boolean } | null;
  error: string | null;
  latencyMs: number;
  /** Whether the receiver acknowledged it the way its format requires. */
  acknowledged: boolean;
}

/** A made-up paid charge of the endpoint's app and mode: what a test event carries. */
function sampleCharge(
  appId: string,
  livemode: boolean,
  dialect: Charge['dialect'],
  core: Core,
  now: Date,
): Charge {
  return {
    id: core.ids.next('charge'),
    appId,
    storeId: null,
    livemode,
    dialect,
    orderNo: `test-${now.getTime()}`,
    attempt: 1,
    orderSn: core.ids.orderSn(now),
    channel: 'wechatpay',
    method: 'qr',
    amount: 100,
    amountOriginal: null,
    amountDiscount: 0,
    amountIgnore: 0,
    amountRefunded: 0,
    currency: 'CNY',
    subject: 'Juhe test event',
    body: null,
    description: 'Sent from the admin API to test this endpoint; no money moved.',
    clientIp: null,
    extra: {},
    metadata: { juhe_test_event: true },
    credential: null,
    status: 'succeeded',
    transactionNo: 'test_' + core.ids.secret(8),
    failureCode: null,
    failureMsg: null,
    returnUrl: null,
    notifyUrl: null,
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + 3_600_000),
    paidAt: now,
    closedAt: null,
  };
}

/**
 * Sends one made-up event to an endpoint right now, outside the delivery log, and returns
 * exactly what went over the wire and what came back. Nothing is retried or stored.
 */
export async function sendTestEvent(
  core: Core,
  endpointId: string,
  options: {
    type?: string;
    allowPrivateTargets?: boolean;
    timeoutMs?: number;
    logLimit?: number;
    dispatcher?: Dispatcher;
  } = {},
): Promise<TestEventResult> {
  const endpoint = await findEndpoint(core.db, endpointId);
  if (!endpoint) throw new JuheError('not_found', 'No such webhook endpoint.', 'id');
  const format = findFormat(endpoint.format)!;
  const type =
    options.type ??
    (['charge.succeeded', ...format.eventTypes].find(
      (t) => format.eventTypes.includes(t) && (endpoint.events.includes('*') || endpoint.events.includes(t)),
    ) as string);
  if (!format.eventTypes.includes(type))
    throw new JuheError('invalid_parameter', `${endpoint.format} endpoints do not carry ${type}`, 'type');
  const now = core.clock.now();
  const dialect = endpoint.format === 'native' ? 'admin' : endpoint.format;
  const charge = sampleCharge(endpoint.appId, endpoint.livemode, dialect, core, now);
  const refund = type.startsWith('refund.');
  const data = refund
    ? serializeRefund({
        id: core.ids.next('refund'),
        chargeId: charge.id,
        appId: charge.appId,
        livemode: charge.livemode,
        refundNo: `test-refund-${now.getTime()}`,
        amount: charge.amount,
        currency: charge.currency,
        status: type === 'refund.failed' ? 'failed' : type === 'refund.created' ? 'pending' : 'succeeded',
        description: 'Juhe test event',
        metadata: { juhe_test_event: true },
        extra: {},
        transactionNo: null,
        failureCode: null,
        failureMsg: null,
        createdAt: now,
        updatedAt: now,
        succeededAt: type === 'refund.succeeded' ? now : null,
      })
    : serializeCharge(charge);
  const event: StoredEvent = {
    id: core.ids.next('event'),
    appId: endpoint.appId,
    livemode: endpoint.livemode,
    type,
    objectType: refund ? 'refund' : 'charge',
    objectId: String(data.id),
    data: data as Record<string, any>,
    createdAt: now,
  };
  const target = {
    format: endpoint.format,
    url: endpoint.url,
    endpointId: endpoint.id,
    headers: endpoint.headers,
    secrets: await activeSecrets(core.db, core.box, endpoint.id, now),
  };
  const request = await buildRequest(core, event, target, core.ids.next('delivery'), now);
  if (!request) throw new JuheError('invalid_request', `${endpoint.format} has nothing to send for ${type}`);
  const allowPrivateTargets = options.allowPrivateTargets ?? defaultAllowPrivateTargets();
  const dispatcher = options.dispatcher ?? deliveryAgent(allowPrivateTargets);
  let result: SendResult;
  try {
    result = await sendRequest(request, {
      dispatcher,
      allowPrivateTargets,
      timeoutMs: options.timeoutMs ?? 10_000,
      logLimit: options.logLimit ?? 4096,
    });
  } finally {
    if (!options.dispatcher) await dispatcher.close();
  }
  return {
    event,
    request,
    response:
      result.status === null
        ? null
        : { status: result.status, headers: result.headers, body: result.body, truncated: result.truncated },
    error: result.error,
    latencyMs: result.latencyMs,
    acknowledged: acknowledged(endpoint.format, result),
  };
}
