/**
 * What the unified suites share: the merchant's domain (app and keys), the document's
 * example order, and the charges an order's pay attempts became.
 */
import { type ConnectorRegistry, connectorRegistry } from '../../src/channels/registry.js';
import { sandboxConnector } from '../../src/channels/sandbox/sandbox.js';
import { wechatPayerAuthorization } from '../../src/channels/wechatpay/oauth.js';
import { createApp, createMerchant, issueCredentials } from '../../src/core/apps/create-app.js';
import { toCharge } from '../../src/db/charges.js';
import type { Charge } from '../../src/domain/charge.js';
import type { TestCore } from '../support/core.js';
import { type Dto, UnifiedClient } from './unified-client.js';

/**
 * Every unified pay type's provider on the generic sandbox: the suites test the dialect
 * against core's contract (they settle payments with applyChargeResult); the simulators
 * have their own suites.
 */
export function genericSandboxes(): ConnectorRegistry {
  const sandbox = sandboxConnector();
  // The H5 page's openid fetch still goes through WeChat's web authorization (its simulator).
  const wechatpay = { ...sandbox, payerAuthorization: wechatPayerAuthorization };
  return connectorRegistry({ alipay: sandbox, wechatpay, unionpay: sandbox, paypal: sandbox });
}

/** A new merchant with one app, the owner of the suite's domains; answers the app's id. */
export async function newDomainApp(core: TestCore): Promise<string> {
  const merchant = await createMerchant(core.db, core, { name: 'Marathon' });
  return (await createApp(core.db, core, { merchantId: merchant.id, name: 'signup' })).id;
}

/**
 * The document-written client of the app's unified domain in one mode (a new domainCode and
 * domainSecret), against the gateway at `base`.
 */
export async function domainClient(
  core: TestCore,
  base: string,
  appId: string,
  livemode: boolean,
): Promise<UnifiedClient> {
  const keys = (await issueCredentials(core.db, core, { appId, livemode })).unified;
  return new UnifiedClient(base, keys.domainCode, keys.domainSecret);
}

/** The document's example order under a new requestKey; `extra` replaces any field. */
export function documentOrder(requestKey: string, extra: Partial<Dto> = {}): Partial<Dto> {
  return {
    requestChannel: '1',
    money: '1',
    info: '这是你买的商品详单信息',
    requestKey,
    currencyType: 'CNY',
    pageUrl: 'http://www.baidu.com',
    bgUrl: 'http://www.sina.com',
    dialogOkUrl: 'http://www.sohu.com',
    dialogFailUrl: 'http://www.163.com',
    rate: '6.8',
    ...extra,
  };
}

/** The charges an order's pay attempts created (one per pay type tried), first attempt first. */
export async function attemptsOf(core: TestCore, appId: string, requestKey: string): Promise<Charge[]> {
  return (
    await core.db.query('SELECT * FROM charges WHERE app_id = $1 AND order_no = $2 ORDER BY attempt', [
      appId,
      requestKey,
    ])
  ).map(toCharge);
}
