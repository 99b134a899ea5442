/**
 * A response as the cache keeps it: header fields ready for writing, the body in one Buffer,
 * and the freshness facts computed once at store time so a hit compares numbers only. Every
 * field earns its bytes: with 1 KiB objects the record is half the memory of the cache.
 */

export interface StoredResponse {
  status: number;
  /**
   * Header field names as written to clients (origin fields minus hop-by-hop ones, plus
   * Content-Length and Via; Age and Cache-Status are added per response). The array is shared
   * by every response with the same names in the same order, which is most of them.
   */
  headerNames: readonly string[];
  /** The value for each name in headerNames. */
  headerValues: string[];
  body: Buffer;
  /**
   * Monotonic time the response arrived, in whole milliseconds (V8 keeps small integers
   * unboxed; a fractional time would cost a heap number per object). Resident time (§4.2.3) is
   * measured on the monotonic clock, so a wall clock stepped back cannot make anything fresher;
   * the wall clock is used once, for the apparent age against the origin's Date.
   */
  storedAtMonoMs: number;
  /** corrected_initial_age (§4.2.3). */
  initialAgeMs: number;
  /** Monotonic instant the response stops being fresh. */
  freshUntilMonoMs: number;
  /** Every reuse needs validation (no-cache). */
  noCache: boolean;
  /** No stale reuse beyond explicit grants (must-revalidate, proxy-revalidate, s-maxage). */
  mustRevalidate: boolean;
  staleWhileRevalidateMs: number;
  staleIfErrorMs: number;
  /** Lower-case request field names from Vary and the values the storing request had. */
  varyNames: readonly string[];
  varyValues: ReadonlyArray<string | undefined>;
  /** Surrogate-Key members (cache tags) for purging by key. */
  surrogateKeys: readonly string[];
}

/** Bytes the store charges for an entry: body, header text and a fixed overhead. */
export function chargedBytes(response: StoredResponse): number {
  let headerBytes = 0;
  const { headerNames: names, headerValues: values } = response;
  for (let i = 0; i < names.length; i++) headerBytes += names[i]!.length + values[i]!.length;
  return response.body.length + headerBytes + 256;
}

/**
 * `[name, value, name, value, ...]` for node's writeHead, with `extra` pairs appended and the
 * field named `omit` left out.
 */
export function wireHeaders(response: StoredResponse, extra: readonly string[] = [], omit?: string): string[] {
  const { headerNames: names, headerValues: values } = response;
  // Sized up front: grown by push, the array would be copied twice on the way to ~20 entries,
  // and every miss and every new hit answer paid for the copies.
  const omitted = omit === undefined ? 0 : countOf(names, omit);
  const out = new Array<string>(2 * (names.length - omitted) + extra.length);
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    if (names[i] === omit) continue;
    out[at++] = names[i]!;
    out[at++] = values[i]!;
  }
  for (const text of extra) out[at++] = text;
  return out;
}

function countOf(names: readonly string[], name: string): number {
  let n = 0;
  for (const each of names) if (each === name) n++;
  return n;
}

/** The stored fields as a HeaderList, for merging a 304 into them. */
export function headerPairs(response: StoredResponse): Array<[string, string]> {
  return response.headerNames.map((name, i): [string, string] => [name, response.headerValues[i]!]);
}

/**
 * The stored validators, verbatim as the origin sent them (revalidation must echo them exactly).
 * Looked up in the header fields rather than kept twice: they are needed only for conditionals.
 */
export function storedValidators(response: StoredResponse): { etag: string | undefined; lastModified: string | undefined } {
  const { headerNames: names, headerValues: values } = response;
  let etag: string | undefined;
  let lastModified: string | undefined;
  for (let i = 0; i < names.length; i++) {
    if (names[i] === 'etag') etag = values[i];
    else if (names[i] === 'last-modified') lastModified = values[i];
  }
  return { etag, lastModified };
}
