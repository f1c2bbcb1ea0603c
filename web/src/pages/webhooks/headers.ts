/** "Name: value" lines to a header map; undefined when a non-empty line is not a header. */
export function parseHeaders(text: string | undefined): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    if (!line.trim()) continue;
    const match = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*?)\s*$/.exec(line);
    if (!match) return undefined;
    headers[match[1]!] = match[2]!;
  }
  return headers;
}

export function formatHeaders(headers: Record<string, string> | null | undefined): string {
  return Object.entries(headers ?? {})
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}
