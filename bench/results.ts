import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/**
 * The figures of one `npm run bench`: each a ratio against a floor measured in the same
 * run (or a latency against its bound), with its target and whether it passed; written to
 * bench/results.json and bench/results.md.
 */
export interface Figure {
  benchmark: string;
  /** The measured value: a ratio (subject / floor) or a latency in ms. */
  value: number;
  unit: 'ratio' | 'ms';
  /** What the value is measured against. */
  floor: string;
  /** `>= x` for ratios, `< x` ms for latencies. */
  target: number;
  pass: boolean;
  detail?: string;
}

export function ratioFigure(
  benchmark: string,
  value: number,
  floor: string,
  target: number,
  detail?: string,
): Figure {
  return {
    benchmark,
    value,
    unit: 'ratio',
    floor,
    target,
    pass: value >= target,
    ...(detail ? { detail } : {}),
  };
}

export function latencyFigure(
  benchmark: string,
  value: number,
  floor: string,
  target: number,
  detail?: string,
): Figure {
  return { benchmark, value, unit: 'ms', floor, target, pass: value < target, ...(detail ? { detail } : {}) };
}

export function machineNote(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; shared with other work (load average ${loadAverage()})`;
}

function loadAverage(): string {
  return loadavg()[0]!.toFixed(1);
}

export function writeResults(
  dir: URL,
  figures: Figure[],
  extra: Record<string, unknown>,
  meta: { date: string; machine: string; seconds: number },
) {
  writeFileSync(new URL('results.json', dir), `${JSON.stringify({ ...meta, figures, ...extra }, null, 2)}\n`);
  const rows = figures.map((f) => {
    const value = f.unit === 'ratio' ? f.value.toFixed(2) : `${f.value.toFixed(1)} ms`;
    const target = f.unit === 'ratio' ? `≥ ${f.target}` : `< ${f.target} ms`;
    return `| ${f.benchmark} | ${value} | ${f.floor} | ${target} | ${f.pass ? 'pass' : '**miss**'} |`;
  });
  const md = [
    '# Benchmark results',
    '',
    `Run ${meta.date} in ${(meta.seconds / 60).toFixed(1)} min on ${meta.machine}.`,
    'Every ratio is against its floor measured in the same run; written by `npm run bench`.',
    '',
    '| Benchmark | Measured | Against | Target | Result |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...figures.filter((f) => f.detail).map((f) => `- ${f.benchmark}: ${f.detail}`),
    '',
    '![throughput and p99 against offered load](results.png)',
    '',
  ];
  writeFileSync(new URL('results.md', dir), md.join('\n'));
}
