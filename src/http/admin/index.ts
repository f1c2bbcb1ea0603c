import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/context.js';
import { appRoutes } from './apps.js';
import { authRoutes } from './auth-routes.js';
import { channelConfigRoutes } from './channel-configs.js';
import { chargeRoutes } from './charges.js';
import { deliveryRoutes } from './deliveries.js';
import { registerIdempotency } from './idempotency.js';
import {
  guardBeforeValidation,
  requirePermission,
  identify,
  refuseCrossSiteChange,
  refuseUnknownQueryParameters,
} from './kit.js';
import { refuseNonFiniteNumbers, refuseUnstorableInput } from '../admin-input.js';
import { recordRoutes } from './records.js';
import { reportRoutes } from './reports.js';
import { reconciliationRoutes } from './reconciliation.js';
import { settlementReportRoutes } from './settlement-reports.js';
import { storeRoutes } from './stores.js';
import { credentialImportRoutes } from './credential-import.js';
import { storeCredentialRoutes } from './store-credentials.js';
import { storeQrCodeRoutes } from './store-qr-codes.js';
import { checkoutLinkRoutes } from './checkout-links.js';
import { testHelperRoutes } from './test-helpers.js';
import { userRoutes } from './users.js';
import { webhookRoutes } from './webhooks.js';
import { alipaySandboxAdminRoutes } from '../../sandbox/alipay/admin-routes.js';
import { wechatpaySandboxAdminRoutes } from '../../sandbox/wechatpay/admin-routes.js';
import { lakalaSandboxAdminRoutes } from '../../sandbox/lakala/admin-routes.js';
import { paypalSandboxAdminRoutes } from '../../sandbox/paypal/admin-routes.js';
import { unionpaySandboxAdminRoutes } from '../../sandbox/unionpay/admin-routes.js';

/**
 * The admin API under /api/v1. Every request is identified (session cookie or bearer
 * token); each route states the permission it needs; POSTs honour Idempotency-Key.
 */
export async function adminApi(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  app.addHook('onRoute', guardBeforeValidation);
  app.addHook('onRoute', refuseUnknownQueryParameters);
  app.addHook('onRequest', async (request) => {
    request.actor = await identify(core, request);
    refuseCrossSiteChange(request);
  });
  // NUL, lone surrogates and absurd nesting are a 400 here, not a 500 inside an insert.
  app.addHook('preValidation', refuseUnstorableInput);
  app.addHook('preHandler', refuseNonFiniteNumbers);
  registerIdempotency(app, core);

  await app.register(authRoutes, { core });
  await app.register(appRoutes, { core });
  await app.register(storeRoutes, { core });
  await app.register(storeQrCodeRoutes, { core });
  await app.register(checkoutLinkRoutes, { core });
  await app.register(channelConfigRoutes, { core });
  await app.register(chargeRoutes, { core });
  await app.register(recordRoutes, { core });
  await app.register(testHelperRoutes, { core });
  await app.register(reportRoutes, { core });
  // ROUTES-BEGIN (one line per module: `await app.register(xRoutes, { core });`)
  await app.register(webhookRoutes, { core });
  await app.register(reconciliationRoutes, { core });
  await app.register(settlementReportRoutes, { core });
  await app.register(deliveryRoutes, { core });
  await app.register(credentialImportRoutes, { core });
  await app.register(storeCredentialRoutes, { core });
  await app.register(userRoutes, { core });
  await app.register(alipaySandboxAdminRoutes, { core });
  await app.register(wechatpaySandboxAdminRoutes, { ctx: core, guard: requirePermission('test_helpers') });
  await app.register(lakalaSandboxAdminRoutes, { ctx: core });
  await app.register(unionpaySandboxAdminRoutes, { ctx: core });
  await app.register(paypalSandboxAdminRoutes, { ctx: core });
  // ROUTES-END
}
