/**
 * Money on screen: amounts arrive as integer minor units (fen, cents) and are never turned
 * into a float: the decimal text is built from the integer's digits, then Intl formats that
 * exact decimal string (grouping, currency symbol) in the console's language.
 */
const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX', 'XAF', 'XOF']);

export function minorUnitDigits(currency: string): number {
  return ZERO_DECIMAL.has(currency.toUpperCase()) ? 0 : 2;
}

/** 12345 CNY → "123.45"; -5 → "-0.05". Exact for any safe integer or bigint. */
export function minorToDecimal(amount: number | bigint | string, currency: string): string {
  const digits = minorUnitDigits(currency);
  const text = BigInt(amount).toString();
  const negative = text.startsWith('-');
  const abs = negative ? text.slice(1) : text;
  if (digits === 0) return text;
  const padded = abs.padStart(digits + 1, '0');
  const whole = padded.slice(0, -digits);
  const fraction = padded.slice(-digits);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    const digits = minorUnitDigits(currency);
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(key, f);
  }
  return f;
}

/** 12345, 'CNY', 'zh-CN' → "¥123.45"; 'en-US' → "CN¥123.45"; 100, 'USD', 'en-US' → "$1.00". */
export function formatMoney(amount: number | bigint | string, currency: string, locale: string): string {
  // Intl.NumberFormat accepts a decimal string (ES2023) and formats it without a float round trip.
  return formatter(locale, currency).format(minorToDecimal(amount, currency) as unknown as number);
}

/**
 * The inverse for forms: "12.3" → 1230 minor units; undefined when the text is not a plain
 * decimal with at most the currency's digits (the form says so instead of rounding).
 */
export function decimalToMinor(text: string, currency: string): number | undefined {
  const digits = minorUnitDigits(currency);
  const match = /^(\d{1,13})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return undefined;
  return Number(BigInt(match[1]) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0'));
}
