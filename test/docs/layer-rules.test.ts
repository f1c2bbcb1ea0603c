import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLayerViolations, readBaseline, REPO_ROOT, violationKey } from '../../scripts/layer-rules.js';

const FIXTURE = resolve(REPO_ROOT, 'test/docs/fixtures/layers');

describe('layer rules (.dependency-cruiser.cjs)', () => {
  it('reject each forbidden import of the fixture tree and nothing it may import', async () => {
    const found = (await findLayerViolations(['src'], FIXTURE)).map(violationKey);
    expect(found.sort()).toEqual(
      [
        'channels-not-to-state: src/channels/alipay/connector.ts -> src/db/db.ts',
        'channels-not-to-state: src/channels/alipay/connector.ts -> src/sandbox/alipay/keys.ts',
        'core-not-to-connectors: src/core/uses-connector.ts -> src/channels/alipay/connector.ts',
        'core-not-upward: src/core/uses-connector.ts -> src/dialects/paymax/routes.ts',
        'core-contract-type-only: src/core/contract-value.ts -> src/channels/_kit/connector.ts',
        'dialects-call-core-only: src/dialects/paymax/routes.ts -> src/db/db.ts',
        'domain-is-pure: src/domain/leaky.ts -> fs',
        'domain-is-pure: src/domain/leaky.ts -> src/db/db.ts',
        'sandbox-stands-beside: src/sandbox/alipay/keys.ts -> src/core/create-charge.ts',
      ].sort(),
    );
  });

  it('src has no violation outside the baseline, and the baseline no entry that is gone', async () => {
    const current = (await findLayerViolations(['src'])).map(violationKey);
    const known = readBaseline().map(violationKey);
    const added = current.filter((v) => !known.includes(v));
    const gone = known.filter((v) => !current.includes(v));
    // New ones: fix the import. Gone ones: run `npx tsx scripts/shrink-layer-baseline.ts`.
    expect({ added, gone }).toEqual({ added: [], gone: [] });
  });
});
