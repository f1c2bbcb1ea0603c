import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { findApp } from '../../core/apps/apps.js';
import {
  type Store,
  addStoreMember,
  createStore,
  findStoreDetail,
  listStores,
  renameStore,
  setStoreMemberEnabled,
} from '../../core/apps/stores.js';
import type { Core } from '../../core/context.js';
import { JuheError } from '../../domain/errors.js';
import { audit, requirePermission } from './kit.js';

const StoreId = Type.Object({ id: Type.String({ pattern: '^sto_[0-9a-f]{24}$' }) });

const view = (s: Store) => ({
  id: s.id,
  app: s.appId,
  name: s.name,
  mode: s.livemode ? 'live' : 'test',
  open_id: s.openId,
  created_at: s.createdAt,
});

/** Stores (shops) for the `store` dialect, with their cashiers and terminals. */
export async function storeRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get(
    '/stores',
    {
      schema: { tags: ['stores'], querystring: Type.Object({ app: Type.Optional(Type.String()) }) },
      preHandler: requirePermission('read'),
    },
    async (request) => ({
      data: (await listStores(core.db, (request.query as { app?: string }).app)).map(view),
    }),
  );

  app.post(
    '/stores',
    {
      schema: {
        tags: ['stores'],
        body: Type.Object({
          app: Type.String({ pattern: '^app_[0-9a-f]{24}$' }),
          name: Type.String({ minLength: 1, maxLength: 200 }),
          mode: Type.Optional(Type.Union([Type.Literal('test'), Type.Literal('live')])),
          shop_password: Type.Optional(Type.String({ minLength: 4, maxLength: 64 })),
        }),
      },
      preHandler: requirePermission('apps.write'),
    },
    async (request, reply) => {
      const body = request.body as { app: string; name: string; mode?: string; shop_password?: string };
      const store = await core.db.tx(async (q) => {
        if (!(await findApp(q, body.app))) throw new JuheError('app_not_found', undefined, 'app');
        const created = await createStore(q, core, {
          appId: body.app,
          name: body.name,
          livemode: body.mode === 'live',
          shopPassword: body.shop_password,
        });
        await audit(q, core, request, 'store.create', { type: 'store', id: created.id });
        return created;
      });
      // open_key is shown once, here.
      return reply.status(201).send({ ...view(store), open_key: store.openKey });
    },
  );

  app.get(
    '/stores/:id',
    { schema: { tags: ['stores'], params: StoreId }, preHandler: requirePermission('read') },
    async (request) => {
      const { id } = request.params as { id: string };
      const found = await findStoreDetail(core.db, id);
      if (!found) throw new JuheError('store_not_found', undefined, 'id');
      return { ...view(found.store), cashiers: found.cashiers, terminals: found.terminals };
    },
  );

  app.patch(
    '/stores/:id',
    {
      schema: {
        tags: ['stores'],
        params: StoreId,
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        description: "A store's settings: its name (shown to payers and on receipts).",
      },
      preHandler: requirePermission('apps.write'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { name } = request.body as { name: string };
      await renameStore(core, id, name);
      await audit(core.db, core, request, 'store.update', { type: 'store', id }, { name });
      const found = await findStoreDetail(core.db, id);
      return { ...view(found!.store), cashiers: found!.cashiers, terminals: found!.terminals };
    },
  );

  for (const [kind, prefix, idPrefix] of [
    ['cashiers', 'cashier', 'csh'],
    ['terminals', 'terminal', 'trm'],
  ] as const) {
    for (const [path, enabled] of [
      ['disable', false],
      ['enable', true],
    ] as const) {
      app.post(
        `/stores/:id/${kind}/:member/${path}`,
        {
          schema: {
            tags: ['stores'],
            params: Type.Object({
              id: Type.String({ pattern: '^sto_[0-9a-f]{24}$' }),
              member: Type.String({ pattern: `^${idPrefix}_[0-9a-f]{24}$` }),
            }),
            description: `${enabled ? 'Re-enables' : 'Disables'} one of the store's ${kind} (kept: orders name it).`,
          },
          preHandler: requirePermission('apps.write'),
        },
        async (request) => {
          const { id, member } = request.params as { id: string; member: string };
          await setStoreMemberEnabled(core, id, prefix, member, enabled);
          await audit(
            core.db,
            core,
            request,
            `store.${prefix}.${path}`,
            { type: 'store', id },
            { [prefix]: member },
          );
          return { id: member, store: id, disabled: !enabled };
        },
      );
    }
  }

  for (const [kind, column, prefix] of [
    ['cashiers', 'name', 'cashier'],
    ['terminals', 'serial', 'terminal'],
  ] as const) {
    app.post(
      `/stores/:id/${kind}`,
      {
        schema: {
          tags: ['stores'],
          params: StoreId,
          body: Type.Object({ [column]: Type.String({ minLength: 1, maxLength: 100 }) }),
        },
        preHandler: requirePermission('apps.write'),
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const value = (request.body as Record<string, string>)[column];
        const newId = await addStoreMember(
          core,
          id,
          prefix === 'cashier' ? { kind: prefix, name: value! } : { kind: prefix, serial: value! },
        );
        await audit(
          core.db,
          core,
          request,
          `store.${prefix}.create`,
          { type: 'store', id },
          { [column]: value },
        );
        return reply.status(201).send({ id: newId, store: id, [column]: value });
      },
    );
  }
}
