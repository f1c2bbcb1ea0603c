import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseMasterKey, secretBox } from './secret-box.js';

describe('secret box', () => {
  const box = secretBox(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('sk_live_very_secret');
    expect(sealed).not.toContain('sk_live');
    expect(box.open(sealed)).toBe('sk_live_very_secret');
    expect(box.openJson<{ a: number }>(box.sealJson({ a: 1 }))).toEqual({ a: 1 });
  });

  it('uses a fresh IV each time and detects tampering', () => {
    expect(box.seal('x')).not.toBe(box.seal('x'));
    const sealed = box.seal('hello');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => box.open(tampered)).toThrow();
  });

  it('refuses a box under another key', () => {
    const other = secretBox(randomBytes(32));
    expect(() => other.open(box.seal('x'))).toThrow();
  });

  it('parses hex and base64 master keys', () => {
    const key = randomBytes(32);
    expect(parseMasterKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseMasterKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseMasterKey('short')).toThrow();
  });
});
