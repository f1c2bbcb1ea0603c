import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JuheError } from '../../domain/errors.js';
import {
  REQUEST_SIGN_WINDOW_MS,
  parseRequestSign,
  requestSign,
  secretEquals,
  verifyRequestSign,
} from './auth.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const secrets = { masterKey: 'master-key-1', sessionTokens: ['token-a', 'token-b'] };
const now = new Date('2026-03-01T08:00:00Z');
const ts = now.getTime();

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof JuheError ? error.code : 'not a JuheError';
  }
  return undefined;
}

describe('X-ML-Request-Sign', () => {
  it('is md5(timestamp + key),timestamp as the Android SDK builds it', () => {
    expect(requestSign('token-a', ts)).toBe(`${md5(`${ts}token-a`)},${ts}`);
    expect(requestSign('master-key-1', ts, true)).toBe(`${md5(`${ts}master-key-1`)},${ts},master`);
    expect(parseRequestSign(`${md5('x').toUpperCase()},${ts}`)).toEqual({
      md5: md5('x'),
      timestampMs: ts,
      master: false,
    });
  });

  it('accepts any session token, and the master key, without the suffix', () => {
    expect(verifyRequestSign(`${md5(`${ts}token-a`)},${ts}`, secrets, now)).toEqual({ master: false });
    expect(verifyRequestSign(`${md5(`${ts}token-b`)},${ts}`, secrets, now)).toEqual({ master: false });
    expect(verifyRequestSign(`${md5(`${ts}master-key-1`)},${ts}`, secrets, now)).toEqual({ master: true });
    // hex case does not matter
    expect(verifyRequestSign(`${md5(`${ts}token-a`).toUpperCase()},${ts}`, secrets, now)).toEqual({
      master: false,
    });
  });

  it('with ",master" accepts only the master key', () => {
    expect(verifyRequestSign(`${md5(`${ts}master-key-1`)},${ts},master`, secrets, now)).toEqual({
      master: true,
    });
    expect(code(() => verifyRequestSign(`${md5(`${ts}token-a`)},${ts},master`, secrets, now))).toBe(
      'invalid_signature',
    );
  });

  it('refuses a wrong key or a sign over another timestamp', () => {
    expect(code(() => verifyRequestSign(`${md5(`${ts}nope`)},${ts}`, secrets, now))).toBe(
      'invalid_signature',
    );
    expect(code(() => verifyRequestSign(`${md5(`${ts - 1}token-a`)},${ts}`, secrets, now))).toBe(
      'invalid_signature',
    );
  });

  it('allows the window either side, and not a millisecond more', () => {
    for (const t of [ts - REQUEST_SIGN_WINDOW_MS, ts + REQUEST_SIGN_WINDOW_MS]) {
      expect(verifyRequestSign(`${md5(`${t}token-a`)},${t}`, secrets, now)).toEqual({ master: false });
    }
    for (const t of [ts - REQUEST_SIGN_WINDOW_MS - 1, ts + REQUEST_SIGN_WINDOW_MS + 1]) {
      expect(code(() => verifyRequestSign(`${md5(`${t}token-a`)},${t}`, secrets, now))).toBe(
        'stale_timestamp',
      );
    }
    expect(REQUEST_SIGN_WINDOW_MS).toBe(15 * 60 * 1000);
  });

  it.each([
    ['empty', ''],
    ['no timestamp', md5('x')],
    ['short md5', `${md5('x').slice(1)},${ts}`],
    ['seconds, not ms', `${md5('x')},${Math.floor(ts / 1000) % 1e9}`],
    ['non-hex', `${'z'.repeat(32)},${ts}`],
    ['unknown suffix', `${md5('x')},${ts},admin`],
  ])('refuses a malformed sign (%s)', (_name, value) => {
    expect(code(() => verifyRequestSign(value, secrets, now))).toBe('invalid_signature');
  });
});

describe('secretEquals', () => {
  it('compares whole values of any length', () => {
    expect(secretEquals('abc', 'abc')).toBe(true);
    expect(secretEquals('abc', 'abd')).toBe(false);
    expect(secretEquals('abc', 'abcd')).toBe(false);
    expect(secretEquals('', 'a')).toBe(false);
  });
});
