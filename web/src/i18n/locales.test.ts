import { describe, expect, it } from 'vitest';
import { common } from './common';
import { pages, standalonePages } from '../pages';

/** Every key path of a nested strings object: { a: { b: 'x' } } → ['a.b']. */
function keys(strings: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(strings).flatMap(([key, value]) =>
    value && typeof value === 'object'
      ? keys(value as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

const namespaces = [
  { name: 'common', locales: common },
  ...[...pages, ...standalonePages].map((p) => ({ name: p.name, locales: p.locales })),
];

describe('translations', () => {
  it.each(namespaces)('$name has every string in both zh-CN and en-US', ({ locales }) => {
    const zh = keys(locales['zh-CN']).sort();
    const en = keys(locales['en-US']).sort();
    expect(zh.filter((k) => !en.includes(k))).toEqual([]);
    expect(en.filter((k) => !zh.includes(k))).toEqual([]);
    expect(zh.length).toBeGreaterThan(0);
  });

  it.each(namespaces)('$name has no empty string', ({ locales }) => {
    for (const language of ['zh-CN', 'en-US'] as const) {
      const flat = keys(locales[language]).map((k) =>
        k.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown>)[part], locales[language]),
      );
      expect(flat.filter((v) => typeof v !== 'string' || v.trim() === '')).toEqual([]);
    }
  });

  it('every page in the menu has a menu label and a unique name and path', () => {
    for (const page of pages) {
      expect(typeof page.locales['zh-CN'].menu, page.name).toBe('string');
      expect(typeof page.locales['en-US'].menu, page.name).toBe('string');
    }
    expect(new Set(pages.map((p) => p.name)).size).toBe(pages.length);
    expect(new Set(pages.map((p) => p.path)).size).toBe(pages.length);
  });
});
