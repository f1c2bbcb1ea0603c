/**
 * The request body parsers of the `store` dialect. The document asks for
 * `application/x-www-form-urlencoded`; PHP clients that hand cURL an array
 * (`CURLOPT_POSTFIELDS => $params`) send `multipart/form-data` instead, so text parts of
 * a multipart body are read too. Anything else (JSON, text) yields no fields, which the
 * dialect answers with errcode 8 ("open_id missing"), as the document's section 5 says.
 */
export type Fields = Record<string, string>;

/** Repeated keys: the last one wins, as in PHP's $_POST. */
export function parseUrlencoded(body: string): Fields {
  const fields: Fields = {};
  for (const [key, value] of new URLSearchParams(body)) fields[key] = value;
  return fields;
}

export function parseMultipart(body: Buffer, contentType: string): Fields {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  const fields: Fields = {};
  if (!boundary) return fields;
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    // "--" right after a delimiter closes the body.
    if (body.subarray(partStart, partStart + 2).toString('latin1') === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disposition = /content-disposition:[^\r\n]*?\bname="([^"]*)"/i.exec(headers);
      const isFile = /content-disposition:[^\r\n]*?\bfilename=/i.test(headers);
      if (disposition && !isFile) {
        let value = part.subarray(headerEnd + 4);
        if (value.subarray(-2).toString('latin1') === '\r\n') value = value.subarray(0, -2);
        fields[disposition[1]!] = value.toString('utf8');
      }
    }
    start = next;
  }
  return fields;
}

/** Fields of one request: the query string, overridden by the body. */
export function requestFields(
  query: unknown,
  body: Buffer | undefined,
  contentType: string | undefined,
): Fields {
  const fields: Fields = {};
  if (query && typeof query === 'object') {
    for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
      const last = Array.isArray(value) ? value[value.length - 1] : value;
      if (typeof last === 'string') fields[key] = last;
    }
  }
  if (!body || body.length === 0) return fields;
  const type = (contentType ?? '').toLowerCase();
  let parsed: Fields = {};
  if (type.startsWith('multipart/form-data')) parsed = parseMultipart(body, contentType!);
  else if (type === '' || type.startsWith('application/x-www-form-urlencoded')) {
    parsed = parseUrlencoded(body.toString('utf8'));
  }
  return Object.assign(fields, parsed);
}
