/**
 * What the MaxPay suites share: the app and credentials they bill as, and the raw HTTP
 * POST their clients send (node:http, because fetch refuses the header values real MaxPay
 * clients send, such as `Connection: keep-alive;`).
 */
import http from 'node:http';
import { type ConnectorRegistry, connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import { createApp, createMerchant, issueCredentials, rsaKeyPair } from '../../src/core/apps/create-app.js';
import type { TestCore } from '../support/core.js';

export interface MaxpayKeys {
  appId: string;
  masterKey: string;
  sessionToken: string;
}

export interface MaxpayAnswer {
  status: number;
  body: any;
}

/** One merchant key for every app here, so issueCredentials only generates the platform pair. */
const { publicKeyPem: merchantPublicKeyPem } = rsaKeyPair();

/**
 * Every MaxPay channel's provider on the generic sandbox: the suites test the dialect's
 * mapping against core's contract, whatever simulator-backed connectors the registry gains.
 */
export function genericSandboxes(): ConnectorRegistry {
  const generic = sandboxConnector();
  return connectorRegistry({ alipay: generic, wechatpay: generic, unionpay: generic });
}

/** A new merchant with one app; answers the app's id. */
export async function newMaxpayApp(
  core: TestCore,
  names: { merchant: string; app: string } = { merchant: 'Bookshop', app: 'Books' },
): Promise<string> {
  const merchant = await createMerchant(core.db, core, { name: names.merchant });
  return (await createApp(core.db, core, { merchantId: merchant.id, name: names.app })).id;
}

/** The app's MaxPay credentials in one mode. */
export async function maxpayKeys(core: TestCore, appId: string, livemode: boolean): Promise<MaxpayKeys> {
  return (await issueCredentials(core.db, core, { appId, livemode, merchantPublicKeyPem })).maxpay;
}

/** POSTs the exact text given with exactly these headers (and its length); a non-JSON answer stays text. */
export function postRaw(
  port: number,
  path: string,
  payload: string | Buffer,
  headers: Record<string, string>,
  agent?: http.Agent,
): Promise<MaxpayAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { ...headers, 'Content-Length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: response.statusCode!, body: JSON.parse(text) });
          } catch {
            resolve({ status: response.statusCode!, body: text });
          }
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
