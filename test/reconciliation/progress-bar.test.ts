import { describe, expect, it } from 'vitest';
import { progressBar } from '../../src/cli/reconcile.js';

/** `juhe reconcile`'s progress: a bar redrawn in place on a terminal, plain lines in a log. */
describe('the reconcile progress bar', () => {
  const sink = (isTTY: boolean) => {
    const out = { isTTY, text: '', write: (t: string) => ((out.text += t), true) };
    return out;
  };

  it('draws a bar with the share of the statement read on a terminal', () => {
    const out = sink(true);
    const bar = progressBar(out as unknown as NodeJS.WriteStream, 'cc_1');
    bar(10_000, 0.25);
    bar(40_000, 1);
    expect(out.text).toBe(
      '\rcc_1 [#####---------------]  25% 10,000 lines' + '\rcc_1 [####################] 100% 40,000 lines',
    );
  });

  it('spins when the statement cannot tell how much is left', () => {
    const out = sink(true);
    progressBar(out as unknown as NodeJS.WriteStream, 'sandbox:paypal')(4_000);
    expect(out.text).toBe('\rsandbox:paypal - 4,000 lines');
  });

  it('writes a line every 100,000 lines elsewhere', () => {
    const out = sink(false);
    const bar = progressBar(out as unknown as NodeJS.WriteStream, 'cc_1');
    for (let rows = 10_000; rows <= 250_000; rows += 10_000) bar(rows, rows / 250_000);
    expect(out.text.trim().split('\n')).toEqual([
      'cc_1 10000 lines (4%)',
      'cc_1 110000 lines (44%)',
      'cc_1 210000 lines (84%)',
    ]);
  });
});
