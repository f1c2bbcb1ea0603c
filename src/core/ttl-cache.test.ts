import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.js';

describe('identity cache', () => {
  it('remembers for the TTL only', () => {
    const cache = new TtlCache<string>(1000);
    cache.set('a', 'actor', 0);
    expect(cache.get('a', 999)).toBe('actor');
    expect(cache.get('a', 1000)).toBeUndefined();
  });

  it('evicts by value and stays bounded', () => {
    const cache = new TtlCache<{ id: string }>(1000, 2);
    cache.set('a', { id: 'tok_1' }, 0);
    cache.set('b', { id: 'tok_2' }, 0);
    cache.evict((v) => v.id === 'tok_1');
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toEqual({ id: 'tok_2' });
    cache.set('c', { id: 'tok_3' }, 0);
    cache.set('d', { id: 'tok_4' }, 0);
    expect(cache.get('b', 1)).toBeUndefined();
    expect(cache.get('d', 1)).toEqual({ id: 'tok_4' });
  });
});
