/**
 * A response as the cache keeps it: header lines pre-flattened for writing, the body in one
 * Buffer, and the freshness facts computed once at store time so a hit compares numbers only.
 */

export interface StoredResponse {
  status: number;
  /**
   * `[name, value, name, value, ...]` as written to clients: origin fields minus hop-by-hop
   * ones, plus Content-Length and Via. Age and Cache-Status are added per response.
   */
  wireHeaders: string[];
  body: Buffer;
  /**
   * Monotonic time the response arrived, in whole milliseconds (small integers are stored
   * unboxed by V8; a fractional time would cost a heap number per object). Resident time (§4.2.3) is measured on the monotonic
   * clock, so a wall clock stepped back cannot make anything fresher; the wall clock is only
   * used once, for the apparent age against the origin's Date.
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
  for (const text of response.wireHeaders) headerBytes += text.length;
  return response.body.length + headerBytes + 256;
}

/** The stored fields as a HeaderList view, for merging a 304 into them. */
export function headerPairs(wireHeaders: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < wireHeaders.length; i += 2) pairs.push([wireHeaders[i]!, wireHeaders[i + 1]!]);
  return pairs;
}

/**
 * The stored validators, verbatim as the origin sent them (revalidation must echo them exactly).
 * Looked up in the wire headers rather than kept twice: they are needed only for conditionals.
 */
export function storedValidators(response: StoredResponse): { etag: string | undefined; lastModified: string | undefined } {
  let etag: string | undefined;
  let lastModified: string | undefined;
  const wire = response.wireHeaders;
  for (let i = 0; i + 1 < wire.length; i += 2) {
    if (wire[i] === 'etag') etag = wire[i + 1];
    else if (wire[i] === 'last-modified') lastModified = wire[i + 1];
  }
  return { etag, lastModified };
}
