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
import {
  ALIAS_PROVIDERS,
  ALIAS_TAG_PATTERN,
  type AliasProvider,
  type PayTagAlias,
  listPayTagAliases,
  removePayTagAlias,
  setPayTagAlias,
} from '../../core/stores/pay-tag-aliases.js';
import { BUILT_IN_TAG_NAMES } from '../../dialects/store/channels.js';
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

const StoreTag = Type.Object({
  id: Type.String({ pattern: '^sto_[0-9a-f]{24}$' }),
  tag: Type.String({ pattern: ALIAS_TAG_PATTERN }),
});

const aliasView = (storeId: string, a: PayTagAlias) => ({
  store: storeId,
  tag: a.tag,
  provider: a.provider,
  name: a.name,
  created_at: a.createdAt,
});

/** Stores (shops) for the `store` dialect, with their cashiers and terminals. */
export async function storeRoutes(app: FastifyInstance, { core }: { core: Core }) {
  await payTagAliasRoutes(app, core);
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

/**
 * A store's own pmt_tag names (issue 12): a bank's tag such as `AlipayZL` or `WeixinCDZH`
 * that its tills hard-code, naming the provider it pays with. payorder, payrefund and the
 * order list accept it, and paylist lists it after the built-in tags.
 */
async function payTagAliasRoutes(app: FastifyInstance, core: Core) {
  app.get(
    '/stores/:id/pay-tags',
    {
      schema: {
        tags: ['stores'],
        params: StoreId,
        description: "The store's pmt_tag aliases (built-in tags are not listed).",
      },
      preHandler: requirePermission('read'),
    },
    async (request) => {
      const { id } = request.params as { id: string };
      if (!(await findStoreDetail(core.db, id))) throw new JuheError('store_not_found', undefined, 'id');
      return { data: (await listPayTagAliases(core.db, id)).map((a) => aliasView(id, a)) };
    },
  );

  app.put(
    '/stores/:id/pay-tags/:tag',
    {
      schema: {
        tags: ['stores'],
        params: StoreTag,
        body: Type.Object(
          {
            provider: Type.Union(ALIAS_PROVIDERS.map((p) => Type.Literal(p))),
            name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        description:
          'Creates or changes a pmt_tag alias: the tag (case-sensitive, not a built-in one) pays with the provider; `name` is the pmt_name paylist shows.',
      },
      preHandler: requirePermission('apps.write'),
    },
    async (request) => {
      const { id, tag } = request.params as { id: string; tag: string };
      const body = request.body as { provider: AliasProvider; name?: string | null };
      return core.db.tx(async (q) => {
        const alias = await setPayTagAlias(
          q,
          core,
          id,
          { tag, provider: body.provider, name: body.name ?? null },
          BUILT_IN_TAG_NAMES,
        );
        await audit(
          q,
          core,
          request,
          'store.pay_tag.set',
          { type: 'store', id },
          {
            tag,
            provider: alias.provider,
            name: alias.name,
          },
        );
        return aliasView(id, alias);
      });
    },
  );

  app.delete(
    '/stores/:id/pay-tags/:tag',
    {
      schema: {
        tags: ['stores'],
        params: StoreTag,
        description: 'Removes a pmt_tag alias; orders made with it keep their tag.',
      },
      preHandler: requirePermission('apps.write'),
    },
    async (request, reply) => {
      const { id, tag } = request.params as { id: string; tag: string };
      await core.db.tx(async (q) => {
        await removePayTagAlias(q, id, tag);
        await audit(q, core, request, 'store.pay_tag.delete', { type: 'store', id }, { tag });
      });
      return reply.status(204).send();
    },
  );
}
