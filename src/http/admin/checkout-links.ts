import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { findApp } from '../../core/apps/apps.js';
import { type CheckoutLink, createCheckoutLink, findCheckout } from '../../core/checkout/checkout-links.js';
import type { Core } from '../../core/context.js';
import { JuheError } from '../../domain/errors.js';
import { parseOptionalDateTime } from '../admin-input.js';
import { checkoutUrl } from '../payer/checkout-routes.js';
import { audit, requirePermission } from './kit.js';

const Decimal = Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,2})?$' });
const HttpUrl = Type.String({ pattern: '^https?://', maxLength: 1024 });

const CreateCheckout = Type.Object({
  app: Type.String({ pattern: '^app_[0-9a-f]{24}$' }),
  mode: Type.Optional(Type.Union([Type.Literal('test'), Type.Literal('live')])),
  kind: Type.Union([Type.Literal('session'), Type.Literal('link')], {
    description: 'session: paid once; link: a reusable payment link',
  }),
  currency: Type.Union([Type.Literal('CNY'), Type.Literal('USD')]),
  amount: Type.Optional({
    ...Decimal,
    description: 'Fixed amount, e.g. "12.50": the payer cannot change it',
  }),
  min_amount: Type.Optional({ ...Decimal, description: 'Lower bound of a payer-entered amount' }),
  max_amount: Type.Optional({ ...Decimal, description: 'Upper bound of a payer-entered amount' }),
  description: Type.String({ minLength: 1, maxLength: 256 }),
  methods: Type.Array(
    Type.Union([
      Type.Literal('wechatpay'),
      Type.Literal('alipay'),
      Type.Literal('unionpay'),
      Type.Literal('paypal'),
    ]),
    { minItems: 1, maxItems: 4 },
  ),
  success_url: Type.Optional(HttpUrl),
  cancel_url: Type.Optional(HttpUrl),
  metadata: Type.Optional(
    Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), { maxProperties: 20 }),
  ),
  expires_at: Type.Optional(Type.String({ format: 'date-time' })),
});

/** Hosted checkout sessions and reusable payment links (docs/checkout.md). */
export async function checkoutLinkRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const view = (l: CheckoutLink) => ({
    id: l.id,
    app: l.appId,
    mode: l.livemode ? 'live' : 'test',
    kind: l.kind,
    url: checkoutUrl(core.publicUrl, l.id),
    currency: l.currency,
    amount: l.amount,
    min_amount: l.minAmount,
    max_amount: l.maxAmount,
    description: l.description,
    methods: l.methods,
    success_url: l.successUrl,
    cancel_url: l.cancelUrl,
    metadata: l.metadata,
    expires_at: l.expiresAt,
    created_at: l.createdAt,
  });

  app.post(
    '/checkout_links',
    {
      schema: {
        tags: ['checkout'],
        summary: 'Create a hosted checkout session or payment link',
        body: CreateCheckout,
      },
      preHandler: requirePermission('charges.write'),
    },
    async (request, reply) => {
      const b = request.body as {
        app: string;
        mode?: string;
        kind: 'session' | 'link';
        currency: string;
        amount?: string;
        min_amount?: string;
        max_amount?: string;
        description: string;
        methods: string[];
        success_url?: string;
        cancel_url?: string;
        metadata?: Record<string, string>;
        expires_at?: string;
      };
      if (!(await findApp(core.db, b.app))) throw new JuheError('app_not_found', undefined, 'app');
      const { link, signingSecret } = await createCheckoutLink(core, {
        appId: b.app,
        livemode: b.mode === 'live',
        kind: b.kind,
        currency: b.currency,
        amount: b.amount,
        minAmount: b.min_amount,
        maxAmount: b.max_amount,
        description: b.description,
        methods: b.methods,
        successUrl: b.success_url,
        cancelUrl: b.cancel_url,
        metadata: b.metadata,
        expiresAt: parseOptionalDateTime(b.expires_at, 'expires_at'),
      });
      await audit(
        core.db,
        core,
        request,
        'checkout_link.create',
        { type: 'app', id: b.app },
        { id: link.id },
      );
      // The signing secret is shown once, here.
      return reply.status(201).send({ ...view(link), signing_secret: signingSecret });
    },
  );

  app.get(
    '/checkout_links/:id',
    {
      schema: {
        tags: ['checkout'],
        summary: 'A checkout session or payment link',
        params: Type.Object({ id: Type.String({ pattern: '^cs_[0-9a-f]{24}$' }) }),
      },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const link = await findCheckout(core, (request.params as { id: string }).id);
      if (!link) throw new JuheError('not_found', 'No such checkout link', 'id');
      return view(link);
    },
  );
}
