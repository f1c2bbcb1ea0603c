/**
 * The layer rules of DESIGN.md, checked by `npm run lint` (dependency-cruiser):
 *
 *   domain (pure) <- db <- core <- channels / dialects / deliveries <- http <- cli
 *   sandbox stands beside, reached over HTTP (only http and cli mount it)
 *
 * A file's layer is its folder under src/; src/runtime.ts and src/config.ts wire the
 * process and sit with cli. Unit tests (`*.test.ts`) are not cruised: they wire several
 * layers on purpose.
 *
 * Type-only imports count. `import type { Db } from '../db/db.js'` in domain/ still makes
 * domain mean nothing without db, and an interface a lower layer must implement is a
 * dependency on whoever declares it. One exception, named below: core programs against
 * the connector contract in src/channels/_kit/ (Connector, ChannelConfig, ChannelResult
 * in connector.ts) type-only, because DESIGN puts that contract in channels/_kit while
 * the connectors that implement it sit above core. A value import from _kit (the signed
 * HTTP client, key parsing) and any import of a connector or the registry from core are
 * still violations.
 *
 * Today's code breaks some of these rules; those violations are listed in
 * .dependency-cruiser-known-violations.json and ignored (`--ignore-known`), so lint fails
 * on any new one. The list only shrinks: `npx tsx scripts/shrink-layer-baseline.ts`
 * drops the entries that no longer occur, and test/docs/layer-rules.test.ts fails while
 * it holds such stale entries. See docs/architecture.md, "Layer rules".
 */

/** Paths of each layer, as regular expressions over paths relative to the repository. */
const layer = {
  domain: '^src/domain/',
  db: '^src/db/',
  core: '^src/core/',
  channels: '^src/channels/',
  dialects: '^src/dialects/',
  deliveries: '^src/deliveries/',
  http: '^src/http/',
  cli: '^src/(cli/|runtime\\.ts$|config\\.ts$)',
  sandbox: '^src/sandbox/',
};

/** The connector contract core may import type-only (see above). */
const connectorContract = '^src/channels/_kit/';

/** The storage seam (Queryable, Db): a simulator keeps its own tables through it. */
const storageSeam = '^src/db/(db|sql-builder)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'domain/ is pure code with no I/O: it imports only domain/ and node:crypto (ids draw random bytes).',
      severity: 'error',
      from: { path: layer.domain },
      to: { pathNot: [layer.domain, '^(node:)?crypto$'] },
    },
    {
      name: 'db-below-core',
      comment: 'db/ sits on domain/ only: repositories return domain objects, never call use cases.',
      severity: 'error',
      from: { path: layer.db },
      to: {
        path: [
          layer.core,
          layer.channels,
          layer.dialects,
          layer.deliveries,
          layer.http,
          layer.cli,
          layer.sandbox,
        ],
      },
    },
    {
      name: 'core-not-upward',
      comment:
        'core/ never imports http, dialects, deliveries, cli or sandbox: they call core, not the reverse.',
      severity: 'error',
      from: { path: layer.core },
      to: { path: [layer.dialects, layer.deliveries, layer.http, layer.cli, layer.sandbox] },
    },
    {
      name: 'core-not-to-connectors',
      comment:
        'core/ knows connectors only through the contract in channels/_kit/; a connector or the registry is wired in by the composition root.',
      severity: 'error',
      from: { path: layer.core },
      to: { path: layer.channels, pathNot: connectorContract },
    },
    {
      name: 'core-contract-type-only',
      comment:
        'core/ may import the connector contract (channels/_kit/) for its types only: Connector, ChannelConfig, ChannelResult.',
      severity: 'error',
      from: { path: layer.core },
      to: { path: connectorContract, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'channels-not-to-state',
      comment:
        'A connector knows only its upstream: no sandbox, no db, no core state (use cases, repositories, Core).',
      severity: 'error',
      from: { path: layer.channels },
      to: { path: [layer.db, layer.core, layer.sandbox] },
    },
    {
      name: 'channels-not-sideways',
      comment: 'Connectors do not import dialects, deliveries, http or cli.',
      severity: 'error',
      from: { path: layer.channels },
      to: { path: [layer.dialects, layer.deliveries, layer.http, layer.cli] },
    },
    {
      name: 'dialects-call-core-only',
      comment:
        'Dialects translate and call core use cases; they never import channels, db, http, cli or sandbox.',
      severity: 'error',
      from: { path: layer.dialects },
      to: { path: [layer.channels, layer.db, layer.http, layer.cli, layer.sandbox] },
    },
    {
      name: 'deliveries-not-upward',
      comment:
        'deliveries/ delivers to merchants: it does not speak to upstreams (channels) nor import http, cli or sandbox.',
      severity: 'error',
      from: { path: layer.deliveries },
      to: { path: [layer.channels, layer.http, layer.cli, layer.sandbox] },
    },
    {
      name: 'http-below-cli',
      comment: 'http/ is started by cli, never the reverse.',
      severity: 'error',
      from: { path: layer.http },
      to: { path: layer.cli },
    },
    {
      name: 'sandbox-stands-beside',
      comment:
        "A simulator never imports the gateway's core, repositories, connectors, dialects, deliveries or http: only domain/, the storage seam (db/db.ts, db/sql-builder.ts) and sandbox/.",
      severity: 'error',
      from: { path: layer.sandbox },
      to: {
        path: [layer.db, layer.core, layer.channels, layer.dialects, layer.deliveries, layer.http, layer.cli],
        pathNot: storageSeam,
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    // Type-only imports are dependencies too (see the header).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
