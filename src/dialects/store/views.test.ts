import { describe, expect, it } from 'vitest';
import { chargeStatusCode, cstDayStart, formatTime, parseTime, refundStatusCode } from './views.js';

describe('store views', () => {
  it('writes times in China time, "YYYY-MM-DD HH:mm:ss"', () => {
    expect(formatTime(new Date('2017-06-29T03:03:11Z'))).toBe('2017-06-29 11:03:11');
    expect(formatTime(new Date('2017-06-29T16:00:00Z'))).toBe('2017-06-30 00:00:00');
    expect(formatTime(null)).toBeNull();
  });

  it('starts the day at China midnight', () => {
    expect(cstDayStart(new Date('2017-06-29T15:59:59Z')).toISOString()).toBe('2017-06-28T16:00:00.000Z');
    expect(cstDayStart(new Date('2017-06-29T16:00:00Z')).toISOString()).toBe('2017-06-29T16:00:00.000Z');
  });

  it('reads sdate/edate as China time; a bare date spans its day', () => {
    expect(parseTime('2017-06-20 17:05:50', 'start')!.toISOString()).toBe('2017-06-20T09:05:50.000Z');
    expect(parseTime('2017-06-20', 'start')!.toISOString()).toBe('2017-06-19T16:00:00.000Z');
    expect(parseTime('2017-06-20', 'end')!.toISOString()).toBe('2017-06-20T15:59:59.999Z');
    expect(parseTime('20170620', 'start')!.toISOString()).toBe('2017-06-19T16:00:00.000Z');
    expect(parseTime('2017-06-20 17:05', 'end')!.toISOString()).toBe('2017-06-20T09:05:59.999Z');
    expect(parseTime('1497957842', 'start')!.toISOString()).toBe('2017-06-20T11:24:02.000Z');
    for (const bad of ['2017-02-30', '2017-06-20 25:00:00', 'yesterday', '2017/06/20', '']) {
      expect(parseTime(bad, 'start'), bad).toBeNull();
    }
  });

  it("maps statuses onto the document's codes", () => {
    expect(
      (['succeeded', 'pending', 'user_paying', 'canceled', 'closed', 'failed'] as const).map(
        chargeStatusCode,
      ),
    ).toEqual([1, 2, 9, 4, 4, 4]);
    expect((['succeeded', 'pending', 'failed'] as const).map(refundStatusCode)).toEqual([1, 2, 4]);
  });
});
