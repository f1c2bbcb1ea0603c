import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { TestCore } from '../support/core.js';

/**
 * What the merchant-API fuzz suites (one file per dialect) share: the run count and seed,
 * the hostile values, the perturbations of a valid request, and the property every suite
 * asserts of every answer: never a 5xx (nor a dialect's own "internal error" code inside a
 * 200), always the dialect's documented answer shape, and a refused request changes no row
 * of charges, refunds, events or outbox (counts and every charge's and refund's status).
 *
 * CI (plain `npm test`) replays a fixed seed with FUZZ_RUNS unset: 500 cases per engine,
 * 1,000 per dialect over PGlite and PostgreSQL, which keeps the four suites near 3 minutes
 * on the two-core CI machine (measured in the README's reliability section);
 * `npm run fuzz` sets FUZZ_RUNS=10000 (per engine) and draws a new seed, printed with any
 * failure for FUZZ_SEED to replay.
 */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const FIXED_SEED = 20261208;
export const SEED =
  process.env.FUZZ_SEED !== undefined
    ? Number(process.env.FUZZ_SEED)
    : process.env.FUZZ_RUNS === undefined
      ? FIXED_SEED
      : undefined;

/** Generous: 10,000 cases on a shared two-core machine, PGlite and PostgreSQL. */
export const FUZZ_TIMEOUT = 3_600_000;

/** Strings no field should accept (or should accept harmlessly). */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\ud83d\ude00',
  '\ufeff1',
  '1E2',
  '1e2',
  '1.0000000000000001',
  '0.001',
  '-1',
  '-0',
  '0',
  '+1',
  '0x10',
  '1,000',
  ' 100 ',
  '1e400',
  'NaN',
  'Infinity',
  '99999999999999999999999',
  '9007199254740993',
  '__proto__',
  'constructor',
  '%ZZ',
  '%00',
  '../..',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '中文订单',
  'null',
  'true',
  '2016-12-31T23:59:60Z',
  'http://127.0.0.1:1/',
  'javascript:alert(1)',
];

const HOSTILE_NUMBERS = [
  -1,
  0,
  -0,
  0.5,
  1.5,
  0.01,
  0.001,
  1e-7,
  100.00000000000001,
  2 ** 31,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  1e21,
  1e300,
  -1e300,
];

/** Any JSON value a field could be sent as: hostile strings, odd numbers, wrong types. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [1], { a: 1 }, ['x', 'y']) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.nat({ max: 70_000 }).map((n) => 'A'.repeat(n)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** The same values as text (form fields, query parameters, headers are strings). */
export const hostileText: fc.Arbitrary<string> = hostile.map((v) =>
  typeof v === 'string' ? v : JSON.stringify(v),
);

type Mutation =
  | { kind: 'set'; key: string; value: unknown }
  | { kind: 'drop'; key: string }
  | { kind: 'add'; key: string; value: unknown };

/**
 * A valid request's fields perturbed: 0 to 3 mutations, each replacing a field with a
 * hostile value, dropping it, or adding a stray one. 0 mutations keeps a valid request
 * in the mix, so the fuzz also walks the success paths (and what they write).
 */
export function perturbed(base: Record<string, unknown>, extraKeys: readonly string[] = []) {
  const keys = Object.keys(base);
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('set' as const),
        key: fc.constantFrom(...keys),
        value: hostile,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...keys) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        key: fc.oneof(
          fc.constantFrom(...extraKeys, '__proto__', 'constructor', ''),
          fc.string({ maxLength: 8 }),
        ),
        value: hostile,
      }),
    },
  );
  return fc.array(mutation, { maxLength: 3 }).map((mutations) => {
    const fields: Record<string, unknown> = { ...base };
    for (const m of mutations) {
      if (m.kind === 'drop') delete fields[m.key];
      else
        Object.defineProperty(fields, m.key, {
          value: m.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return { fields, mutated: mutations.length > 0 };
  });
}

/**
 * What happens to the encoded body's bytes before it is signed (so a correct signature
 * covers garbage and the fuzz reaches the parsers behind the signature check): mostly
 * nothing; else truncated, invalid UTF-8 spliced in, a duplicated JSON key, or noise.
 */
export type ByteMutation =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'bytes'; at: number; bytes: readonly number[] }
  | { kind: 'duplicate'; key: string; value: unknown }
  | { kind: 'noise'; text: string };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bytes' as const),
      at: fc.nat(),
      bytes: fc.constantFrom(
        [0xff],
        [0xc3],
        [0xed, 0xa0, 0x80],
        [0xc0, 0x80],
        [0xef, 0xbf, 0xbd],
        [0x00],
        [0xf8, 0x88],
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('duplicate' as const),
      key: fc.string({ maxLength: 12 }),
      value: hostile,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('noise' as const),
      text: fc.string({ unit: 'binary', maxLength: 200 }),
    }),
  },
);

/** Applies a byte mutation to a JSON text (`duplicate` names one of `keys` when it can). */
export function mutateBytes(text: string, m: ByteMutation, keys: readonly string[] = []): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  switch (m.kind) {
    case 'none':
      return bytes;
    case 'truncate':
      return bytes.subarray(0, m.at % (bytes.length + 1));
    case 'bytes': {
      const at = m.at % (bytes.length + 1);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
    }
    case 'duplicate': {
      const key = keys.length > 0 ? keys[m.key.length % keys.length]! : m.key;
      const open = text.indexOf('{');
      if (open < 0) return bytes;
      const rest = text.slice(open + 1).trimStart();
      const sep = rest.startsWith('}') ? '' : ',';
      return Buffer.from(
        `${text.slice(0, open + 1)}${JSON.stringify(key)}:${JSON.stringify(m.value ?? null)}${sep}${text.slice(open + 1)}`,
        'utf8',
      );
    }
    case 'noise':
      return Buffer.from(m.text, 'utf8');
  }
}

/** A signature that is not the right one: absent, empty, random, or the right one altered. */
export type BadSign = 'correct' | 'absent' | 'empty' | 'garbage' | 'flipped';
export const signChoice: fc.Arbitrary<BadSign> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('correct' as const) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('absent' as const, 'empty' as const, 'garbage' as const, 'flipped' as const),
  },
);

/** The signature to send for a choice, from the correct one. */
export function chooseSign(correct: string, choice: BadSign): string | undefined {
  switch (choice) {
    case 'correct':
      return correct;
    case 'absent':
      return undefined;
    case 'empty':
      return '';
    case 'garbage':
      return 'AAAA' + correct.slice(4, 12);
    case 'flipped':
      return (correct[0] === 'a' ? 'b' : 'a') + correct.slice(1);
  }
}

/**
 * Row counts and a digest of every charge's and refund's status: a refused request must
 * leave all of it as it was.
 */
export async function stateOf(core: TestCore): Promise<string> {
  const [row] = await core.db.query<Record<string, unknown>>(
    `SELECT (SELECT count(*)::int FROM charges) AS charges,
            (SELECT count(*)::int FROM refunds) AS refunds,
            (SELECT count(*)::int FROM events) AS events,
            (SELECT count(*)::int FROM outbox) AS outbox,
            (SELECT md5(coalesce(string_agg(id || ':' || status || ':' || amount_refunded, ',' ORDER BY id), ''))
               FROM charges) AS charge_states,
            (SELECT md5(coalesce(string_agg(id || ':' || status, ',' ORDER BY id), '')) FROM refunds) AS refund_states`,
  );
  return JSON.stringify(row);
}

export interface FuzzRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: Buffer | string;
}

export type Verdict = 'accepted' | 'refused';

/**
 * Builds and sends a request for each generated case; every answer must be below 500 and pass `shape` (which
 * says whether the dialect accepted or refused it); a refused one must change no state.
 * Returns how many were accepted and refused, so a suite can show it reached both.
 */
export async function fuzzRequests<Case>(
  core: TestCore,
  server: FastifyInstance,
  cases: fc.Arbitrary<Case>,
  build: (c: Case) => FuzzRequest,
  shape: (res: LightMyRequestResponse, req: FuzzRequest) => Verdict,
): Promise<Record<Verdict, number>> {
  const tally: Record<Verdict, number> = { accepted: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(cases, async (c) => {
      // Built here, not in the arbitrary: fresh order numbers, nonces and the server's time.
      const req = build(c);
      const before = await stateOf(core);
      const res = await server.inject({
        method: req.method,
        url: req.url,
        headers: req.headers,
        ...(req.payload === undefined ? {} : { payload: req.payload }),
      });
      expect(res.statusCode, res.body.slice(0, 500)).toBeLessThan(500);
      const verdict = shape(res, req);
      tally[verdict] += 1;
      if (verdict === 'refused') expect(await stateOf(core), res.body.slice(0, 300)).toBe(before);
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  return tally;
}

/** Parses an answer's JSON body; a body that is not JSON fails the shape check. */
export function jsonOf(res: LightMyRequestResponse): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new Error(`HTTP ${res.statusCode} answer is not JSON: ${res.body.slice(0, 200)}`);
  }
  expect(typeof body === 'object' && body !== null && !Array.isArray(body), res.body.slice(0, 200)).toBe(
    true,
  );
  return body as Record<string, unknown>;
}

/** An order number unique in this run, of letters and digits (every dialect takes those). */
let serial = 0;
export const freshOrderNo = (prefix: string) => `${prefix}${process.pid}x${(serial += 1)}`;

/**
 * Percent-encodes text for a URL, lone surrogates included (as their WTF-8 bytes, which is
 * what a careless client sends; encodeURIComponent throws on them).
 */
export function urlEncode(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}
