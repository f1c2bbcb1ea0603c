import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import type { Core } from '../../core/context.js';
import {
  type StoreQrCode,
  createStoreQrCode,
  storeQrCodes,
  storeQrTarget,
} from '../../core/store-qr/store-qr-codes.js';
import { storeQrProviders, storeQrSheetPdf } from '../../core/store-qr/store-qr-sheet.js';
import { JuheError } from '../../domain/errors.js';
import { storeQrUrl } from '../payer/store-qr-routes.js';
import { audit, requirePermission } from './kit.js';

const StoreId = Type.String({ pattern: '^sto_[0-9a-f]{24}$' });
const QrcId = Type.String({ pattern: '^qrc_[0-9a-f]{24}$' });

/**
 * A store's aggregated QR codes (一码付): one per store, and optionally per desk or
 * terminal (`label`). Each is printed from its PNG or its PDF sheet (the store's name, the
 * code and the apps that can pay); the payer scanning it lands on /q/<id>.
 */
export async function storeQrCodeRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const view = (c: StoreQrCode) => ({
    id: c.id,
    store: c.storeId,
    label: c.label,
    url: storeQrUrl(core.publicUrl, c.id),
    png_url: `/api/v1/stores/${c.storeId}/qr-codes/${c.id}/png`,
    pdf_url: `/api/v1/stores/${c.storeId}/qr-codes/${c.id}/pdf`,
    created_at: c.createdAt,
  });

  app.post(
    '/stores/:id/qr-codes',
    {
      schema: {
        tags: ['stores'],
        summary: "Create a store's aggregated QR code (optionally for a desk or terminal)",
        params: Type.Object({ id: StoreId }),
        body: Type.Object({ label: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })) }),
      },
      preHandler: requirePermission('apps.write'),
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { label } = (request.body ?? {}) as { label?: string };
      const code = await createStoreQrCode(core, id, label ?? null);
      await audit(core.db, core, request, 'store.qr_code.create', { type: 'store', id }, { qrc_id: code.id });
      return reply.status(201).send(view(code));
    },
  );

  app.get(
    '/stores/:id/qr-codes',
    {
      schema: {
        tags: ['stores'],
        summary: "A store's aggregated QR codes",
        params: Type.Object({ id: StoreId }),
      },
      preHandler: requirePermission('read'),
    },
    async (request) => ({
      data: (await storeQrCodes(core.db, (request.params as { id: string }).id)).map(view),
    }),
  );

  app.get(
    '/stores/:id/qr-codes/:qrc/png',
    {
      schema: {
        tags: ['stores'],
        summary: 'The printable PNG of a store QR code',
        params: Type.Object({ id: StoreId, qrc: QrcId }),
      },
      preHandler: requirePermission('read'),
    },
    async (request, reply) => {
      const { id, qrc } = request.params as { id: string; qrc: string };
      const target = await storeQrTarget(core.db, qrc);
      if (!target || target.store.id !== id) throw new JuheError('not_found', 'No such QR code', 'qrc');
      // Error correction M and a quiet zone of 4 modules: what a printed counter sign needs.
      const png = await QRCode.toBuffer(storeQrUrl(core.publicUrl, qrc), {
        type: 'png',
        errorCorrectionLevel: 'M',
        margin: 4,
        width: 600,
      });
      return reply.type('image/png').header('cache-control', 'no-store').send(png);
    },
  );

  app.get(
    '/stores/:id/qr-codes/:qrc/pdf',
    {
      schema: {
        tags: ['stores'],
        summary: 'The printable PDF sheet of a store QR code (A4 or A5)',
        description:
          "The store's name, the desk or terminal, the QR code and the names of the apps that can pay it. Needs a CJK font on the server (fonts-noto-cjk); without one the answer is 503 `unavailable`.",
        params: Type.Object({ id: StoreId, qrc: QrcId }),
        querystring: Type.Object({
          size: Type.Optional(Type.Union([Type.Literal('A4'), Type.Literal('A5')], { default: 'A4' })),
        }),
      },
      preHandler: requirePermission('read'),
    },
    async (request, reply) => {
      const { id, qrc } = request.params as { id: string; qrc: string };
      const { size } = request.query as { size?: 'A4' | 'A5' };
      const target = await storeQrTarget(core.db, qrc);
      if (!target || target.store.id !== id) throw new JuheError('not_found', 'No such QR code', 'qrc');
      const pdf = await storeQrSheetPdf({
        storeName: target.store.name,
        label: target.code.label,
        url: storeQrUrl(core.publicUrl, qrc),
        providers: await storeQrProviders(core, target.store),
        size: size ?? 'A4',
      });
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="${qrc}.pdf"`)
        .send(pdf);
    },
  );
}
