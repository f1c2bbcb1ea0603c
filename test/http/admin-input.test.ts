import { describe, expect, it } from 'vitest';
import { parseDateTime, refuseUnstorable } from '../../src/http/admin-input.js';
import { readCookie } from '../../src/domain/cookies.js';

describe('admin input checks', () => {
  it('parseDateTime keeps ordinary dates and refuses what JS or PostgreSQL cannot hold', () => {
    expect(parseDateTime('2024-02-29T12:00:00+08:00', 'at').toISOString()).toBe('2024-02-29T04:00:00.000Z');
    expect(parseDateTime('9998-12-31T23:59:59Z', 'at').getUTCFullYear()).toBe(9998);
    for (const bad of ['1969-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '9999-01-01T00:00:00Z', 'nope']) {
      expect(() => parseDateTime(bad, 'at'), bad).toThrow(
        expect.objectContaining({ code: 'invalid_parameter', param: 'at' }),
      );
    }
  });

  it('refuseUnstorable names the first unstorable field, key or nesting', () => {
    expect(() => refuseUnstorable({ query: { a: 'ok' }, body: { b: ['fine', { c: 1 }] } })).not.toThrow();
    expect(() => refuseUnstorable({ body: { b: ['fine', 'x\u0000'] } })).toThrow(
      expect.objectContaining({ param: 'b[1]' }),
    );
    expect(() => refuseUnstorable({ query: { 'k\ud800': 'v' } })).toThrow(
      expect.objectContaining({ param: 'k\ud800' }),
    );
    let deep: unknown = 1;
    for (let i = 0; i < 100; i += 1) deep = { d: deep };
    expect(() => refuseUnstorable({ body: deep })).toThrow(
      expect.objectContaining({ code: 'invalid_parameter' }),
    );
  });

  it('readCookie never throws on a malformed encoding', () => {
    expect(readCookie('a=1; juhe_session=%ZZ', 'juhe_session')).toBeUndefined();
    expect(readCookie('juhe_session=a%3Db', 'juhe_session')).toBe('a=b');
  });
});
