/**
 * Shrinks .dependency-cruiser-known-violations.json to the known violations that still
 * occur, and never adds one: a new forbidden import is fixed, not baselined. Run it after
 * removing a violation (test/docs/layer-rules.test.ts fails until you do):
 *
 *   npx tsx scripts/shrink-layer-baseline.ts
 *
 * The file keeps only what dependency-cruiser's `--ignore-known` matches on (rule, from,
 * to), sorted, so its diff in review is one removed entry per fixed import.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import {
  BASELINE_FILE,
  findLayerViolations,
  type LayerViolation,
  readBaseline,
  REPO_ROOT,
  violationKey,
} from './layer-rules.js';

function baselineText(violations: LayerViolation[]): string {
  const entries = violations.map((v) => ({
    type: 'dependency',
    from: v.from,
    to: v.to,
    rule: { severity: 'error', name: v.rule },
  }));
  return `${JSON.stringify(entries, null, 2)}\n`;
}

async function main(): Promise<void> {
  const current = new Set((await findLayerViolations(['src'])).map(violationKey));
  const known = readBaseline();
  const kept = known.filter((v) => current.has(violationKey(v)));
  writeFileSync(BASELINE_FILE, baselineText(kept));
  const added = current.size - kept.length;
  console.log(
    `${relative(REPO_ROOT, BASELINE_FILE)}: ${known.length} -> ${kept.length} known violations` +
      (added > 0 ? `; ${added} new violation(s) NOT added: fix them (npm run lint lists them)` : ''),
  );
}

await main();
