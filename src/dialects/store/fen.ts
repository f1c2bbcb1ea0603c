/**
 * Fen amounts as real store clients send them. PHP >= 7.1 (`sprintf("%.2f", $yuan) * 100`)
 * and Java (fastjson doubles) compute fen in binary floating point and write what the
 * double prints: `1998.9999999999998` for 19.99 yuan, `28.999999999999996` for 0.29.
 * Such a value is the whole number of fen it misses by at most FLOAT_TOLERANCE; anything
 * further off (`1998.5`, `1998.99`) is not an amount of fen and stays refused.
 *
 * The text is read as an exact decimal (digits and BigInt, never a double), so the
 * tolerance is applied to what the client wrote, not to a rounded reading of it.
 */
const DECIMAL = /^(\d{1,15})(?:\.(\d{1,40}))?$/;
/** 1e-6 as a fraction: |value - whole| * 10^6 <= 1. */
const TOLERANCE_INVERSE = 1_000_000n;

/** Whole fen from decimal text, or undefined when it is not within 1e-6 of a whole number. */
export function wholeFenOf(text: string): number | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const whole = BigInt(match[1]!);
  const fraction = match[2] ?? '';
  if (fraction === '' || /^0+$/.test(fraction)) return safe(whole);
  const scale = 10n ** BigInt(fraction.length);
  const part = BigInt(fraction);
  if (part * TOLERANCE_INVERSE <= scale) return safe(whole);
  if ((scale - part) * TOLERANCE_INVERSE <= scale) return safe(whole + 1n);
  return undefined;
}

function safe(value: bigint): number | undefined {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}
