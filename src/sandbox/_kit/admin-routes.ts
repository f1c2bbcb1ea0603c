import { Type } from '@sinclair/typebox';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { JuheError } from '../../domain/errors.js';
import type { FaultQueue } from './faults.js';
import { isStatementDate, STATEMENT_FAULT_KINDS, type StatementFaults } from './statement-faults.js';

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

export interface StatementFaultRouteOptions {
  /** The simulator's admin path, e.g. /sandbox/wechatpay. */
  path: string;
  /** The running simulator's statement faults (throws not_found when it is not mounted). */
  faults: () => StatementFaults;
  tags: string[];
  preHandler: preHandlerAsyncHookHandler;
}

/**
 * The statement fault routes, the same on every provider's simulator that writes daily
 * statements (test mode: the simulators are mounted only there). POST `path`/statement_faults
 * `{kind, date?, count?}` spoils the statement of `date` (Asia/Shanghai business day), or
 * without a date the next one asked for: `not_ready` (the provider's "not generated yet"),
 * `corrupt` (a damaged file), `wrong_hash` (the announced digest differs), `extra_row` (a
 * trade the merchant never made), `missing_row` (a trade left out). GET lists them, DELETE
 * clears them.
 */
export function statementFaultRoutes(app: FastifyInstance, o: StatementFaultRouteOptions): void {
  const body = Type.Object(
    {
      kind: Type.String({ enum: [...STATEMENT_FAULT_KINDS] }),
      date: Type.Optional(
        Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'business day, 2026-12-06' }),
      ),
      count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    },
    { additionalProperties: false },
  );
  const route = `${o.path}/statement_faults`;
  const schema = { tags: o.tags };
  app.post(route, { schema: { ...schema, body }, preHandler: o.preHandler }, async (request, reply) => {
    const b = request.body as { kind: (typeof STATEMENT_FAULT_KINDS)[number]; date?: string; count?: number };
    if (b.date !== undefined && !isStatementDate(b.date)) {
      throw new JuheError('invalid_parameter', 'date must be a day like 2026-12-06', 'date');
    }
    const faults = o.faults();
    faults.addFor(b.date ?? null, b.kind, b.count ?? 1);
    return reply.status(201).send({ statement_faults: faults.listed() });
  });
  app.get(route, { schema, preHandler: o.preHandler }, async () => ({
    statement_faults: o.faults().listed(),
  }));
  app.delete(route, { schema, preHandler: o.preHandler }, async () => {
    o.faults().clear();
    return { statement_faults: [] };
  });
}
