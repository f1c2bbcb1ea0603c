/**
 * The literal text of each top-level number member of a JSON object, e.g.
 * `{"amount":2.010,"meta":{"x":1}}` -> Map {"amount" => "2.010"}.
 *
 * Paymax clients send `amount` as a JSON number (a Java BigDecimal written as is). Going
 * through a double loses what the client wrote beyond ~15 significant digits:
 * `1.0000000000000001` parses to 1 and `12345678901234567.89` rounds. Reading the literal
 * keeps amounts decimal from the wire to the fen, so such input is refused instead of
 * silently changed. The input must already be valid JSON (it has passed JSON.parse), which
 * is why this scanner does no error recovery. Like JSON.parse, the last duplicate wins.
 */
export function topLevelNumberLiterals(json: string): Map<string, string> {
  const found = new Map<string, string>();
  let i = 0;
  const skipWhitespace = () => {
    while (i < json.length && (json[i] === ' ' || json[i] === '\t' || json[i] === '\n' || json[i] === '\r'))
      i++;
  };
  /** At an opening quote: moves past the string and returns its decoded value. */
  const readString = (): string => {
    const start = i++;
    while (json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(json.slice(start, i)) as string;
  };
  const skipValue = () => {
    const first = json[i];
    if (first === '"') {
      readString();
    } else if (first === '{' || first === '[') {
      let depth = 0;
      do {
        const c = json[i];
        if (c === '"') {
          readString();
          continue;
        }
        if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') depth--;
        i++;
      } while (depth > 0);
    } else {
      // number, true, false, null
      while (i < json.length && !',}] \t\n\r'.includes(json[i])) i++;
    }
  };

  skipWhitespace();
  if (json[i] !== '{') return found;
  i++;
  skipWhitespace();
  if (json[i] === '}') return found;
  for (;;) {
    skipWhitespace();
    const key = readString();
    skipWhitespace();
    i++; // ':'
    skipWhitespace();
    const start = i;
    const first = json[i];
    skipValue();
    if (first === '-' || (first >= '0' && first <= '9')) found.set(key, json.slice(start, i));
    else found.delete(key);
    skipWhitespace();
    if (json[i] !== ',') break;
    i++;
  }
  return found;
}
