/**
 * Plain-data HTTP shapes shared by every binary. Header names are always lower case.
 */

/** Response or outbound header fields in order, duplicates kept (Set-Cookie needs that). */
export type HeaderList = Array<[name: string, value: string]>;

/** Incoming request headers as node:http parses them: lower-case names, duplicates joined. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The value of a request header, with repeated fields joined as RFC 9110 §5.3 allows. */
export function requestHeader(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  if (typeof value === 'string') return value;
  // Not a string or a list: absent, or a property the object inherits (node:http's and the HTTP/2
  // layer's header objects inherit Object.prototype, and an origin's Vary may say `constructor`).
  return Array.isArray(value) ? value.join(', ') : undefined;
}

/** The combined value of a response header (§5.3); undefined when absent. Not for Set-Cookie. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  let combined: string | undefined;
  for (const [n, v] of headers) {
    if (n !== name) continue;
    combined = combined === undefined ? v : `${combined}, ${v}`;
  }
  return combined;
}

/** Every value of a header, one entry per field line. */
export function headerValues(headers: HeaderList, name: string): string[] {
  const values: string[] = [];
  for (const [n, v] of headers) if (n === name) values.push(v);
  return values;
}

/** Flattens a HeaderList into `[name, value, name, value, ...]` for node's writeHead. */
export function toFlatHeaders(headers: HeaderList): string[] {
  const flat: string[] = [];
  for (const [n, v] of headers) flat.push(n, v);
  return flat;
}
