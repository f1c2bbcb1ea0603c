import { describe, expect, it } from 'vitest';
import { parseImport, refusedIndex, rowProblem } from './ImportConfigs';

describe('channel config import file', () => {
  const app = 'app_0123456789abcdef01234567';

  it('reads a list or {configs: [...]}, with or without a BOM, and refuses anything else', () => {
    const row = { app, mode: 'test', provider: 'cash' };
    expect(parseImport(JSON.stringify([row]))).toEqual({ rows: [row] });
    expect(parseImport(`\uFEFF${JSON.stringify({ configs: [row] })}`)).toEqual({ rows: [row] });
    expect(parseImport('{not json')).toEqual({ error: 'json' });
    expect(parseImport('[]')).toEqual({ error: 'shape' });
    expect(parseImport('{"configs": [1]}')).toEqual({ error: 'shape' });
  });

  it('flags a row with no app id, mode or known provider before sending', () => {
    expect(rowProblem({ app, mode: 'live', provider: 'alipay' })).toBeUndefined();
    expect(rowProblem({ app: 'shop', mode: 'live', provider: 'alipay' })).toBe('app');
    expect(rowProblem({ app, mode: 'prod', provider: 'alipay' })).toBe('mode');
    expect(rowProblem({ app, mode: 'test', provider: 'bitcoin' })).toBe('provider');
  });

  it("finds the row a refusal names, in the gateway's and the schema's spelling", () => {
    expect(refusedIndex('[2]')).toBe(2);
    expect(refusedIndex('[0].app')).toBe(0);
    expect(refusedIndex('body/3/provider')).toBe(3);
    expect(refusedIndex('settings')).toBeUndefined();
    expect(refusedIndex(undefined)).toBeUndefined();
  });
});
