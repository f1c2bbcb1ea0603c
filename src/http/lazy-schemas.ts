import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

/*
 * Fastify compiles every route's request validator (ajv) and response serializer
 * (fast-json-stringify) while the server starts: with the admin API, four dialects and the
 * simulators that is several hundred schemas, and ajv alone was the largest block of CPU in
 * a start-up profile after module loading and PGlite. A process answers only a few routes
 * in its first seconds, so each schema is compiled the first time its route is used (once;
 * the compiled function is then called directly). `compileAllSchemas` compiles whatever is
 * still pending: a test calls it so that a broken schema fails the suite, not a request.
 */

type Compile<F> = (route: RouteSchema) => F;
interface RouteSchema {
  schema: unknown;
  method?: string;
  url?: string;
  httpPart?: string;
}
type Validator = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Serializer = (data: unknown) => string;

type Pending = Set<() => void>;

const pendingOf = new WeakMap<object, Pending>();

/** Compiles every schema of `app` no request has needed yet (for tests; start-up never calls it). */
export function compileAllSchemas(app: object): void {
  for (const compile of [...(pendingOf.get(app) ?? [])]) compile();
}

function lazyValidator(pending: Pending, compile: Compile<Validator>, route: RouteSchema): Validator {
  let compiled: Validator | undefined;
  const ensure = () => {
    compiled ??= compile(route);
    pending.delete(ensure);
    return compiled;
  };
  pending.add(ensure);
  const validate: Validator = (data, context) => {
    const fn = ensure();
    const result = fn(data, context);
    validate.errors = fn.errors;
    return result;
  };
  // Fastify passes the parent object (so ajv may coerce a root value) only to functions that
  // look like ajv's; the real one is ajv's, so say so.
  validate.schemaEnv = true;
  return validate;
}

function lazySerializer(pending: Pending, compile: Compile<Serializer>, route: RouteSchema): Serializer {
  let compiled: Serializer | undefined;
  const ensure = () => {
    compiled ??= compile(route);
    pending.delete(ensure);
    return compiled;
  };
  pending.add(ensure);
  return (data) => ensure()(data);
}

type Factory<F> = (externalSchemas: unknown, options: unknown) => Compile<F>;

/**
 * The `schemaController` option: fastify's own compilers (same options), compiled on first
 * use. `adopt(app)` lets `compileAllSchemas(app)` find this server's pending schemas.
 */
export function lazySchemas(): {
  controller: NonNullable<FastifyServerOptions['schemaController']>;
  adopt(app: object): void;
} {
  const pending: Pending = new Set();
  // fastify's own compiler packages, resolved from fastify (they are its dependencies), so
  // validation and serialization behave exactly as with fastify's defaults.
  const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  const ajvCompiler = fromFastify('@fastify/ajv-compiler') as () => Factory<Validator>;
  const serializerCompiler = fromFastify(
    '@fastify/fast-json-stringify-compiler',
  ) as () => Factory<Serializer>;
  const buildValidator = ajvCompiler();
  const buildSerializer = serializerCompiler();
  const controller = {
    compilersFactory: {
      buildValidator: (externalSchemas: unknown, options: unknown) => {
        const compile = buildValidator(externalSchemas, options);
        return (route: RouteSchema) => lazyValidator(pending, compile, route);
      },
      buildSerializer: (externalSchemas: unknown, options: unknown) => {
        const compile = buildSerializer(externalSchemas, options);
        return (route: RouteSchema) => lazySerializer(pending, compile, route);
      },
    },
  } as NonNullable<FastifyServerOptions['schemaController']>;
  return { controller, adopt: (app) => pendingOf.set(app, pending) };
}
