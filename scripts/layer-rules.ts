/**
 * Runs the layer rules of .dependency-cruiser.cjs through dependency-cruiser's API, for
 * the test that proves they bite (test/docs/layer-rules.test.ts) and for shrinking the
 * known-violations baseline (scripts/shrink-layer-baseline.ts). `npm run lint` runs the
 * same rules through the depcruise command.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTsConfig from 'dependency-cruiser/config-utl/extract-ts-config';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const BASELINE_FILE = resolve(REPO_ROOT, '.dependency-cruiser-known-violations.json');

/** One forbidden import: `from` imports `to`, which rule `rule` forbids. */
export interface LayerViolation {
  from: string;
  to: string;
  rule: string;
}

/**
 * Every violation of the layer rules in `paths` (relative to `baseDir`), ignoring no
 * baseline. `baseDir` lets a fixture tree with its own `src/` be checked by the same rules.
 */
export async function findLayerViolations(paths: string[], baseDir = REPO_ROOT): Promise<LayerViolation[]> {
  const options = await extractDepcruiseOptions(resolve(REPO_ROOT, '.dependency-cruiser.cjs'));
  const tsConfig = extractTsConfig(resolve(REPO_ROOT, 'tsconfig.json'));
  const { output } = await cruise(
    paths,
    { ...options, baseDir, validate: true, outputType: 'json' },
    {},
    { tsConfig },
  );
  const result: ICruiseResult = typeof output === 'string' ? JSON.parse(output) : output;
  return sortViolations(
    result.summary.violations.map((v) => ({ from: v.from, to: v.to, rule: v.rule.name })),
  );
}

/** The committed baseline of known violations, as from/to/rule triples. */
export function readBaseline(file = BASELINE_FILE): LayerViolation[] {
  const known = JSON.parse(readFileSync(file, 'utf8')) as {
    from: string;
    to: string;
    rule: { name: string };
  }[];
  return sortViolations(known.map((v) => ({ from: v.from, to: v.to, rule: v.rule.name })));
}

export function violationKey(v: LayerViolation): string {
  return `${v.rule}: ${v.from} -> ${v.to}`;
}

function sortViolations(list: LayerViolation[]): LayerViolation[] {
  return [...list].sort((a, b) => violationKey(a).localeCompare(violationKey(b)));
}
