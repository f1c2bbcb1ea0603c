import pino from 'pino';
import type { Core } from '../../src/core/context.js';

/**
 * Swaps the core's (silent) logger for one that keeps every line at `level` and above, so a
 * test can assert what the gateway logged, e.g. one warning per refused notification.
 * `restore()` puts the silent one back.
 */
export function captureLog<Line = { level: number; msg: string; reason?: string }>(
  core: Core,
  level: 'info' | 'warn',
) {
  const lines: Line[] = [];
  const quiet = core.log;
  core.log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  return {
    lines,
    restore: () => {
      core.log = quiet;
    },
  };
}
