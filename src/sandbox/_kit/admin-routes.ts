import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { JuheError } from '../../domain/errors.js';
import type { FaultQueue } from './faults.js';

/** What the shared admin routes act on, in any provider's simulator. */
interface Administered<K extends string> {
  faults: FaultQueue<K>;
  deliveries: unknown[];
  runDue(): Promise<void>;
}

/** The simulator for a request, or the admin API's not_found when it is not mounted. */
export function runningSimulator<S>(find: () => S | undefined, name: string): () => S {
  return () => {
    const sim = find();
    if (!sim) throw new JuheError('not_found', `The ${name} simulator is not running`);
    return sim;
  };
}

export interface SimulatorAdminOptions<K extends string, S extends Administered<K>> {
  /** The simulator's admin path, e.g. /sandbox/wechatpay. */
  path: string;
  kinds: readonly K[];
  isKind: (v: unknown) => v is K;
  simulator: () => S;
  tags: string[];
  preHandler: preHandlerAsyncHookHandler;
}

/**
 * The fault routes every provider's simulator has alike (each provider's admin-routes.ts
 * keeps what differs: its identity and its orders): POST `path`/faults injects one kind
 * (the provider's own kinds only), DELETE `path`/faults clears them all.
 */
export function faultRoutes<K extends string, S extends Administered<K>>(
  app: FastifyInstance,
  o: SimulatorAdminOptions<K, S>,
): void {
  const body = Type.Object(
    {
      kind: Type.String({ enum: [...o.kinds] }),
      count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600 * 1000 })),
    },
    { additionalProperties: false },
  );
  app.post(
    `${o.path}/faults`,
    { schema: { tags: o.tags, body }, preHandler: o.preHandler },
    async (request, reply) => {
      const b = request.body as { kind: string; count?: number; ms?: number };
      if (!o.isKind(b.kind)) throw new JuheError('invalid_parameter', `Unknown fault ${b.kind}`, 'kind');
      const sim = o.simulator();
      sim.faults.add(b.kind, b.count ?? 1, b.ms ?? 0);
      return reply.status(201).send({ faults: sim.faults.active() });
    },
  );
  app.delete(`${o.path}/faults`, { schema: { tags: o.tags }, preHandler: o.preHandler }, async () => {
    o.simulator().faults.clear();
    return { faults: [] };
  });
}

/**
 * POST `path`/run: a manual run of the simulator's due work (settling, notifications whose
 * time has come on the business clock), answering the deliveries that run made.
 */
export function runRoute<K extends string, S extends Administered<K>>(
  app: FastifyInstance,
  o: SimulatorAdminOptions<K, S>,
): void {
  app.post(`${o.path}/run`, { schema: { tags: o.tags }, preHandler: o.preHandler }, async () => {
    const sim = o.simulator();
    const before = sim.deliveries.length;
    await sim.runDue();
    return { deliveries: sim.deliveries.slice(before) };
  });
}
