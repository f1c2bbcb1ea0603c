import { isStorableText } from '../../domain/storable-text.js';
import { StoreError, type StoreErrorName } from './errors.js';
import { wholeFenOf } from './fen.js';

/**
 * Typed reads of the decrypted `data` object. PHP clients are loosely typed: the same
 * field arrives as `100` or `"100"`, unused optional fields as `""` or `null`. So:
 * numbers and strings are both accepted where the document says int, `""` and `null`
 * mean absent, and anything else (objects, arrays, booleans, "1.5", "-3") is refused with
 * the errcode the caller names for that field. So is text PostgreSQL cannot store (a NUL,
 * an unpaired surrogate: valid in the decrypted JSON), which would otherwise fail inside
 * the insert or lookup as a server error.
 */
export class Params {
  /**
   * `literals`: the text the client wrote for each top-level JSON number of `data`
   * (a double loses digits past ~17, so amounts are read from the text).
   */
  constructor(
    private readonly data: Record<string, unknown>,
    private readonly literals: ReadonlyMap<string, string> = new Map(),
  ) {}

  has(key: string): boolean {
    const v = this.data[key];
    return v !== undefined && v !== null && v !== '';
  }

  /** A string field (numbers are taken as their decimal text). */
  string(
    key: string,
    rules: { max: number; pattern?: RegExp; missing?: StoreErrorName; invalid: StoreErrorName },
  ): string | undefined {
    const raw = this.data[key];
    if (raw === undefined || raw === null || raw === '') {
      if (rules.missing) throw new StoreError(rules.missing, `${key}不能为空`);
      return undefined;
    }
    let value: string;
    if (typeof raw === 'string') value = raw;
    else if (typeof raw === 'number' && Number.isSafeInteger(raw)) value = String(raw);
    else throw new StoreError(rules.invalid, `${key}必须是字符串`);
    if (!isStorableText(value)) {
      throw new StoreError(rules.invalid, `${key}含有无效字符（NUL或不成对的UTF-16代理项）`);
    }
    if ([...value].length > rules.max) throw new StoreError(rules.invalid, `${key}长度不能超过${rules.max}`);
    if (rules.pattern && !rules.pattern.test(value)) throw new StoreError(rules.invalid, `${key}格式错误`);
    return value;
  }

  /** A non-negative integer (minor units, page numbers). */
  int(key: string, rules: { missing?: StoreErrorName; invalid: StoreErrorName }): number | undefined {
    const raw = this.data[key];
    if (raw === undefined || raw === null || raw === '') {
      if (rules.missing) throw new StoreError(rules.missing, `${key}不能为空`);
      return undefined;
    }
    let value: number;
    if (typeof raw === 'number') value = raw;
    else if (typeof raw === 'string' && /^\d{1,15}$/.test(raw.trim())) value = Number(raw.trim());
    else value = Number.NaN;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new StoreError(rules.invalid, `${key}必须是非负整数（以分为单位，没有小数点）`);
    }
    return value;
  }

  /**
   * An amount in fen: a non-negative integer, or the binary-float rendering of one that
   * PHP and Java clients send (`1998.9999999999998` is 1999; fen.ts says why).
   */
  fen(key: string, rules: { missing?: StoreErrorName; invalid: StoreErrorName }): number | undefined {
    const raw = this.data[key];
    const literal = this.literals.get(key);
    // The text decides: `1.0E3` and `100.50000000000000000001` are not what a double of a
    // whole number prints, whatever JSON.parse made of them.
    if (
      typeof raw === 'number' &&
      (!Number.isInteger(raw) || (literal !== undefined && !/^\d+$/.test(literal)))
    ) {
      const value = wholeFenOf(literal ?? String(raw));
      if (value === undefined) {
        throw new StoreError(rules.invalid, `${key}必须是非负整数（以分为单位，没有小数点）`);
      }
      return value;
    }
    if (typeof raw === 'string' && raw.includes('.')) {
      const value = wholeFenOf(raw);
      if (value === undefined) {
        throw new StoreError(rules.invalid, `${key}必须是非负整数（以分为单位，没有小数点）`);
      }
      return value;
    }
    return this.int(key, rules);
  }

  /** `JSAPI`: 1 / "1" / true turn it on; absent, 0, "0", "" leave it off. */
  flag(key: string, invalid: StoreErrorName): boolean {
    const raw = this.data[key];
    if (raw === undefined || raw === null || raw === '' || raw === 0 || raw === '0' || raw === false)
      return false;
    if (raw === 1 || raw === '1' || raw === true) return true;
    throw new StoreError(invalid, `${key}只能是1`);
  }

  /** An absolute http(s) URL. */
  url(key: string, invalid: StoreErrorName, max = 512): string | undefined {
    const value = this.string(key, { max, invalid });
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new StoreError(invalid, `${key}不是有效的URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new StoreError(invalid, `${key}必须是http或https地址`);
    }
    return value;
  }
}

/**
 * Developer order numbers: the document allows digits and letters; `_` and `-` are
 * accepted too (leniency: they are harmless in every place an out_no travels).
 */
export const OUT_NO = /^[0-9A-Za-z_-]{1,64}$/;
