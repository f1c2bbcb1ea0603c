import autocannon from 'autocannon';

export interface Measured {
  rps: number;
  p99: number;
}

/** autocannon for a fixed time at a fixed concurrency; returns requests/s (2xx only) and p99 ms. */
export async function load(options: autocannon.Options): Promise<Measured> {
  const result = await autocannon({ duration: 5, connections: 16, ...options });
  const ok = result['2xx'];
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`benchmark saw ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  }
  return { rps: ok / result.duration, p99: result.latency.p99 };
}

/** Runs `op` from `concurrency` loops for `seconds`; returns operations/s and p99 ms. */
export async function loop(
  op: (i: number) => Promise<unknown>,
  concurrency = 16,
  seconds = 5,
): Promise<Measured> {
  const latencies: number[] = [];
  const end = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const started = performance.now();
        await op(n++);
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

export function report(
  name: string,
  subject: Measured,
  baseline: Measured,
  baselineName: string,
  target: number,
) {
  const ratio = subject.rps / baseline.rps;
  console.log(
    `${name}: ${subject.rps.toFixed(0)}/s (p99 ${subject.p99.toFixed(1)} ms) vs ${baselineName} ` +
      `${baseline.rps.toFixed(0)}/s (p99 ${baseline.p99.toFixed(1)} ms): ratio ${ratio.toFixed(2)} ` +
      `(target >= ${target}) ${ratio >= target ? 'OK' : 'BELOW TARGET'}`,
  );
  return ratio;
}
