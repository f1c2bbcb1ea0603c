import { describe, expect, it } from 'vitest';
import {
  chinaDate,
  chinaDateTime,
  chinaDayRange,
  chinaDayStart,
  chinaRfc3339,
  chinaStamp,
  parseChinaDateTime,
  parseChinaStamp,
} from './china-time.js';

describe('China time', () => {
  const instant = new Date('2026-03-01T16:30:05.250Z'); // 00:30:05 on 2 March in China

  it('renders the wire forms in UTC+8', () => {
    expect(chinaDateTime(instant)).toBe('2026-03-02 00:30:05');
    expect(chinaStamp(instant)).toBe('20260302003005');
    expect(chinaDate(instant)).toBe('2026-03-02');
    expect(chinaRfc3339(instant)).toBe('2026-03-02T00:30:05+08:00');
  });

  it('finds the China day an instant falls in', () => {
    expect(chinaDayStart(instant).toISOString()).toBe('2026-03-01T16:00:00.000Z');
    expect(chinaDayRange('2026-03-02')).toEqual({
      start: new Date('2026-03-01T16:00:00.000Z'),
      end: new Date('2026-03-02T16:00:00.000Z'),
    });
    expect(chinaDayRange('2026-02-30')).toBeUndefined();
  });

  it('parses only real instants', () => {
    expect(parseChinaDateTime('2026-03-02 00:30:05')?.toISOString()).toBe('2026-03-01T16:30:05.000Z');
    expect(parseChinaStamp('20260302003005')?.toISOString()).toBe('2026-03-01T16:30:05.000Z');
    expect(parseChinaDateTime('2026-02-30 10:00:00')).toBeUndefined();
    expect(parseChinaStamp('20260301250000')).toBeUndefined();
    expect(parseChinaDateTime('2026-03-02T00:30:05')).toBeUndefined();
  });
});
