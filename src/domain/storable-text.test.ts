import { describe, expect, it } from 'vitest';
import { isStorableText, nestedDeeperThan, unstorableTextAt } from './storable-text.js';

describe('text PostgreSQL can store', () => {
  it('accepts ordinary text, CJK and paired surrogates (emoji)', () => {
    for (const text of ['', 'book', '图书-支付战争', '😀 ok', 'tab\tand\nnewline']) {
      expect(isStorableText(text), text).toBe(true);
    }
  });

  it('refuses NUL and unpaired surrogates', () => {
    for (const text of ['a\u0000b', '\ud800', 'x\udc00', '\ud83d']) {
      expect(isStorableText(text), JSON.stringify(text)).toBe(false);
    }
  });

  it('names the first unstorable string or key inside a JSON value', () => {
    expect(unstorableTextAt({ a: 'ok', b: [1, { c: 'x' }] }, 'metadata')).toBeUndefined();
    expect(unstorableTextAt({ a: 'ok', b: [1, { c: 'x\u0000' }] }, 'metadata')).toBe('metadata.b[1].c');
    expect(unstorableTextAt({ 'k\ud800': 1 }, 'metadata')).toBe('metadata.k\ud800');
    expect(unstorableTextAt('\udc00', 'subject')).toBe('subject');
    expect(unstorableTextAt(7, 'subject')).toBeUndefined();
  });

  it('measures nesting without walking past the limit', () => {
    expect(nestedDeeperThan('text', 0)).toBe(false);
    expect(nestedDeeperThan({}, 1)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [1, { b: 2 }] }, 2)).toBe(true);
    // Far deeper than the call stack allows: answered after max + 1 levels.
    const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000));
    expect(nestedDeeperThan(deep, 64)).toBe(true);
  });
});
