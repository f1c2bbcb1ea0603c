import type { ChannelResult } from '../../channels/_kit/connector.js';
import type { Charge } from '../../domain/charge.js';
import { isJuheError, JuheError } from '../../domain/errors.js';
import type { Core } from '../context.js';
import { findChannelConfigById, upstreamConfig } from './channel-configs.js';

/** What a connection test found, for the console's "Test connection" answer. */
export interface ConnectionTest {
  /** The upstream answered and its answer verified: credentials and signatures work. */
  ok: boolean;
  /** Where it stopped: the config could not be used, the upstream call failed, or it answered. */
  stage: 'config' | 'upstream' | 'answered';
  provider: string;
  mode: 'test' | 'live';
  /** The simulator's default merchant stands in for a `{"simulator": true}` test config. */
  simulator: boolean;
  /** The made-up order asked about: it never existed, so "not found" is the healthy answer. */
  order_no: string;
  result: { status: ChannelResult['status']; failure_code?: string; failure_message?: string } | null;
  error: { code: string; message: string; param?: string } | null;
  latency_ms: number;
  message: string;
}

/**
 * Tests a channel config with a real order query to its upstream (in test mode, the
 * simulator the config points at): the query of an order that does not exist is signed
 * with the config's keys, and the upstream's answer is verified with its platform
 * certificate, so a readable "no such order" proves the whole credential chain. Nothing is
 * written: the charge asked about is made up and never stored.
 */
export async function testChannelConfig(core: Core, id: string): Promise<ConnectionTest> {
  const config = await findChannelConfigById(core.db, core.box, id);
  if (!config) throw new JuheError('not_found', 'No such channel config', 'id');
  const connector = core.connectors.resolve(config.provider, config.livemode);
  if (!connector.query) {
    throw new JuheError('channel_not_supported', `${config.provider} has no upstream to query`, 'id');
  }
  const upstream = upstreamConfig(config);
  const charge = madeUpCharge(core, config, connector.capabilities.methods);
  const base = {
    provider: config.provider,
    mode: config.livemode ? ('live' as const) : ('test' as const),
    simulator: upstream === null,
    order_no: charge.id,
  };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const result = await connector.query({
      charge,
      config: upstream,
      clock: core.clock,
      publicUrl: core.publicUrl,
    });
    const latency = elapsed();
    const answered = result.status !== 'unknown';
    return {
      ...base,
      ok: answered,
      stage: answered ? 'answered' : 'upstream',
      result: {
        status: result.status,
        ...(result.failureCode ? { failure_code: result.failureCode } : {}),
        ...(result.failureMessage ? { failure_message: result.failureMessage } : {}),
      },
      error: null,
      latency_ms: latency,
      message: answered
        ? `${config.provider} answered a signed query and its answer verified (the test order does not exist).`
        : `${config.provider} gave no usable answer: ${result.failureMessage ?? result.failureCode ?? 'unknown'}`,
    };
  } catch (error) {
    const latency = elapsed();
    if (!isJuheError(error)) {
      core.log.warn({ err: error, config: id }, 'channel connection test failed');
      return {
        ...base,
        ok: false,
        stage: 'upstream',
        result: null,
        error: { code: 'channel_error', message: String((error as Error)?.message ?? error) },
        latency_ms: latency,
        message: `The call to ${config.provider} failed.`,
      };
    }
    const configProblem = error.code !== 'channel_error';
    return {
      ...base,
      ok: false,
      stage: configProblem ? 'config' : 'upstream',
      result: null,
      error: { code: error.code, message: error.message, ...(error.param ? { param: error.param } : {}) },
      latency_ms: latency,
      message: configProblem
        ? 'The config cannot be used as saved.'
        : `${config.provider} refused the query.`,
    };
  }
}

/** A pending charge no upstream has heard of, with an id in the gateway's own format. */
function madeUpCharge(
  core: Core,
  config: { appId: string; livemode: boolean; provider: Charge['channel'] },
  methods: readonly Charge['method'][],
): Charge {
  const id = core.ids.next('charge');
  const now = core.clock.now();
  return {
    id,
    appId: config.appId,
    storeId: null,
    livemode: config.livemode,
    dialect: 'admin',
    orderNo: `conntest-${id.slice(3)}`,
    attempt: 1,
    // UnionPay's orderId is the order_sn: 8 to 40 digits, so a made-up one must look real.
    orderSn: BigInt(`0x${id.slice(3)}`)
      .toString()
      .slice(0, 18),
    channel: config.provider,
    // A barcode query may go another API version (WeChat v2); ask the way most charges are asked.
    method: methods.find((m) => m !== 'barcode') ?? methods[0] ?? 'page',
    amount: 1,
    amountOriginal: null,
    amountDiscount: 0,
    amountIgnore: 0,
    amountRefunded: 0,
    currency: 'CNY',
    subject: 'connection test',
    body: null,
    description: null,
    clientIp: null,
    extra: {},
    metadata: {},
    // PayPal queries by its own order id: one PayPal never issued is a 404, never a new order.
    credential: { paypal_order_id: `CONNTEST${id.slice(3).toUpperCase()}` },
    status: 'pending',
    transactionNo: null,
    failureCode: null,
    failureMsg: null,
    returnUrl: null,
    notifyUrl: null,
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + 15 * 60_000),
    paidAt: null,
    closedAt: null,
  };
}
