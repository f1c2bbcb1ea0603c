import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topLevelNumberLiterals } from './json-literals.js';

describe('topLevelNumberLiterals', () => {
  it('returns the literal text of top-level numbers only', () => {
    const text = ` {"amount" : 2.010 ,"s":"a\\"}{[,\\\\","n":{"amount":9},"l":[1,{"x":2}],"e":-1.5E+3,"t":true,"z":null,"k":0}`;
    expect(JSON.parse(text)).toBeTruthy();
    expect(topLevelNumberLiterals(text)).toEqual(
      new Map([
        ['amount', '2.010'],
        ['e', '-1.5E+3'],
        ['k', '0'],
      ]),
    );
  });

  it('follows JSON.parse on duplicate keys and escaped key names', () => {
    expect(topLevelNumberLiterals('{"a":1,"a":"x"}')).toEqual(new Map());
    expect(topLevelNumberLiterals('{"a":"x","a":3}')).toEqual(new Map([['a', '3']]));
    expect(topLevelNumberLiterals('{"\\u0061mount":7}')).toEqual(new Map([['amount', '7']]));
    expect(topLevelNumberLiterals('{}')).toEqual(new Map());
    expect(topLevelNumberLiterals('[1]')).toEqual(new Map());
  });

  it('agrees with JSON.parse on every generated object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const text = JSON.stringify(object);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const expected = new Map(
          Object.entries(parsed)
            .filter(([, v]) => typeof v === 'number')
            .map(([k, v]) => [k, JSON.stringify(v)]),
        );
        expect(topLevelNumberLiterals(text)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
