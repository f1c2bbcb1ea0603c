import { describe, expect, it } from 'vitest';
import { openData } from './auth.js';
import { encryptData } from './codec.js';
import { StoreError } from './errors.js';

const KEY = '0828e83720fdbe3685a7b94214af04f9';

describe('store data opening', () => {
  it('treats absent, empty, null and PHP empty-array data as no parameters', () => {
    expect(openData(undefined, KEY).data).toEqual({});
    expect(openData('', KEY).data).toEqual({});
    expect(openData(encryptData('[]', KEY), KEY).data).toEqual({});
    expect(openData(encryptData('null', KEY), KEY).data).toEqual({});
    expect(openData('3304A5EC2CDEB4D12ED3338B5C01BF6B', KEY).data).toEqual({ pmt_type: 0 });
  });

  it('refuses what does not decrypt to a JSON object with 8044', () => {
    for (const hex of [
      'xyz',
      '3304',
      encryptData('[1]', KEY),
      encryptData('"s"', KEY),
      encryptData('{bad', KEY),
    ]) {
      expect(() => openData(hex, KEY)).toThrow(StoreError);
      try {
        openData(hex, KEY);
      } catch (error) {
        expect((error as StoreError).errcode).toBe(8044);
      }
    }
  });
});
