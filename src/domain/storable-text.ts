/**
 * Valid JSON that PostgreSQL cannot store. JSON.parse accepts "\u0000" and an unpaired
 * surrogate such as "\ud800", but a text column refuses NUL and jsonb refuses both, so a
 * request carrying one would fail inside the insert (a server error) instead of being
 * refused as bad input in the dialect's own words. Dialects check their fields with these.
 */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Deepest nesting of objects and arrays a stored map may have. PostgreSQL parses jsonb
 * recursively: PGlite fails past ~4000 levels, and the body limit allows hundreds of
 * thousands; real extras and metadata are a level or two deep.
 */
export const MAX_JSON_NESTING = 64;

/** Whether a JSON value nests objects/arrays deeper than `max` (`{}` is 1, `{"a":[]}` is 2). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max === 0) return true;
  return Object.values(value).some((item) => nestedDeeperThan(item, max - 1));
}

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);
}

/**
 * Where in a JSON value the first unstorable string or key is, e.g. `metadata.note`;
 * undefined when everything can be stored. Check nestedDeeperThan first: this recurses.
 */
export function unstorableTextAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (!Array.isArray(value) && !isStorableText(key)) return at;
    const found = unstorableTextAt(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}
