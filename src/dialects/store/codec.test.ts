import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptData, encryptData, sha1Hex, sign, signingString, verifySign } from './codec.js';

// Document 2.4, the worked example: a golden vector.
const DOC = {
  open_id: '87f46f5db1b65f0ac195285f49ee6958',
  open_key: '0828e83720fdbe3685a7b94214af04f9',
  timestamp: '1497957842',
  data: '3304A5EC2CDEB4D12ED3338B5C01BF6B',
};

describe('store codec', () => {
  it('reproduces the document signature example exactly', () => {
    const fields = { timestamp: DOC.timestamp, open_id: DOC.open_id, data: DOC.data };
    expect(signingString(fields, DOC.open_key)).toBe(
      'data=3304A5EC2CDEB4D12ED3338B5C01BF6B&open_id=87f46f5db1b65f0ac195285f49ee6958' +
        '&open_key=0828e83720fdbe3685a7b94214af04f9&timestamp=1497957842',
    );
    expect(sha1Hex(signingString(fields, DOC.open_key))).toBe('013030c4532c00c14ad8b9e47f3382f9ea4a8ed1');
    expect(sign(fields, DOC.open_key)).toBe('915be5aff09f2686870e1d17e93b3542');
    // `sign` itself never takes part, and the given sign may be upper case.
    expect(sign({ ...fields, sign: 'whatever' }, DOC.open_key)).toBe('915be5aff09f2686870e1d17e93b3542');
    expect(verifySign(fields, '915BE5AFF09F2686870E1D17E93B3542', DOC.open_key)).toBe(true);
    expect(verifySign(fields, '915be5aff09f2686870e1d17e93b3543', DOC.open_key)).toBe(false);
    expect(
      verifySign({ ...fields, timestamp: '1497957843' }, '915be5aff09f2686870e1d17e93b3542', DOC.open_key),
    ).toBe(false);
  });

  it("decrypts the document example's data (upper case hex) to its paylist request", () => {
    expect(decryptData(DOC.data, DOC.open_key)).toBe('{"pmt_type":0}');
    expect(decryptData(DOC.data.toLowerCase(), DOC.open_key)).toBe('{"pmt_type":0}');
    expect(encryptData('{"pmt_type":0}', DOC.open_key)).toBe(DOC.data.toLowerCase());
  });

  it('refuses data that is not whole AES blocks of hex, or does not decrypt under the key', () => {
    expect(decryptData('', DOC.open_key)).toBeNull();
    expect(decryptData('3304A5EC', DOC.open_key)).toBeNull();
    expect(decryptData('zz04A5EC2CDEB4D12ED3338B5C01BF6B', DOC.open_key)).toBeNull();
    expect(decryptData(DOC.data, 'x'.repeat(32))).toBeNull();
    expect(() => encryptData('{}', 'short')).toThrow(RangeError);
  });

  it('checks every PKCS#7 padding byte, and a kept key context serves request after request', () => {
    // 15 bytes of text + one padding byte 0x01 is valid; the same block ending in 0x02 0x01 is not.
    const good = encryptData('a'.repeat(15), DOC.open_key);
    expect(decryptData(good, DOC.open_key)).toBe('a'.repeat(15));
    const twoBlocks = encryptData('b'.repeat(16), DOC.open_key); // a whole block of padding 0x10
    expect(twoBlocks).toHaveLength(64);
    // Only the first block (16 'b's, no padding): its last byte 'b' (0x62) is no padding length.
    expect(decryptData(twoBlocks.slice(0, 32), DOC.open_key)).toBeNull();
    for (let i = 0; i < 3; i++) expect(decryptData(DOC.data, DOC.open_key)).toBe('{"pmt_type":0}');
  });

  it('keeps raw values: Chinese text and URL characters are signed as they are', () => {
    const s = signingString({ ord_name: '香烟 啤酒&', url: 'http://a.b/?x=1' }, 'k');
    expect(s).toBe('open_key=k&ord_name=香烟 啤酒&&url=http://a.b/?x=1');
    expect(signingString({ a: null, b: 0, c: undefined }, 'k')).toBe('a=&b=0&c=&open_key=k');
  });

  it('round-trips any UTF-8 JSON through AES-256-ECB', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.string({ minLength: 32, maxLength: 32, unit: 'grapheme-ascii' }),
        (text, key) => {
          const json = JSON.stringify({ text });
          expect(decryptData(encryptData(json, key), key)).toBe(json);
          expect(decryptData(encryptData(json, key).toUpperCase(), key)).toBe(json);
        },
      ),
      { numRuns: 200 },
    );
  });
});
