import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import type { Core } from '../../core/context.js';
import { retrieveCharge } from '../../core/payments/retrieve-charge.js';
import { actAsPayer } from '../admin/sandbox-payer.js';
import { walletPage } from './page.js';

const Params = Type.Object({ id: Type.String({ pattern: '^ch_[0-9a-f]{24}$' }) });

/**
 * The sandbox payer wallet for providers played by the generic sandbox connector: the
 * charge's QR code or pay link opens this page, where the payer pays or declines. Only
 * test-mode charges exist here; a live charge is "not found", never payable.
 */
export async function walletRoutes(app: FastifyInstance, { core }: { core: Core }) {
  // The pay/decline forms post no fields; accept their urlencoded content type.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, _body, done) => done(null, {}),
  );
  const testCharge = async (id: string) => {
    const charge = await retrieveCharge(core, id);
    return charge && !charge.livemode ? charge : undefined;
  };

  app.get('/sandbox/pay/:id', { schema: { params: Params, hide: true } }, async (request, reply) => {
    const charge = await testCharge((request.params as { id: string }).id);
    if (!charge) return reply.status(404).type('text/html').send('<h1>No such test charge</h1>');
    const link = `${core.publicUrl}/sandbox/pay/${charge.id}`;
    const qr = charge.method === 'qr' ? await QRCode.toString(link, { type: 'svg', margin: 1 }) : null;
    return reply.type('text/html; charset=utf-8').send(walletPage(charge, qr));
  });

  for (const action of ['pay', 'decline'] as const) {
    app.post(
      `/sandbox/pay/:id/${action}`,
      { schema: { params: Params, hide: true } },
      async (request, reply) => {
        const charge = await testCharge((request.params as { id: string }).id);
        if (!charge) return reply.status(404).type('text/html').send('<h1>No such test charge</h1>');
        await actAsPayer(core, charge, action);
        return reply.redirect(`/sandbox/pay/${charge.id}`, 303);
      },
    );
  }
}
