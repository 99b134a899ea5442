/**
 * The client's own Cache-Control (RFC 9111 §5.2.1): when it rules out using a stored response
 * without first validating it with the origin. The edge can be told to ignore these
 * (`--ignore-request-cache-control`, to shield the origin); otherwise it obeys them.
 */
import type { Directives } from './cache-control.js';

/** Which request directive demands validation; Cache-Status carries it as `detail=request-…`. */
export type RequestValidation = 'no-cache' | 'max-age' | 'min-fresh';

/**
 * Why this request may not be answered from a stored response without validation, or undefined.
 * `ageMs`: the stored response's current age (§4.2.3); `freshLeftMs`: its remaining freshness,
 * negative once stale.
 */
export function requestDemandsValidation(rd: Directives, ageMs: number, freshLeftMs: number): RequestValidation | undefined {
  // §5.2.1.4: no-cache: "a cache MUST NOT use a stored response to satisfy the request without
  // successful validation on the origin server".
  if (rd.noCache) return 'no-cache';
  // §5.2.1.1: max-age=N: the client does not want a response older than N seconds. max-age=0 is
  // what a reload sends; answering it from cache because less than a second has passed would
  // make "reload" depend on timing, so 0 always validates.
  if (rd.maxAge !== undefined && (rd.maxAge === 0 || ageMs > rd.maxAge * 1000)) return 'max-age';
  // §5.2.1.3: min-fresh=N: the response must stay fresh for at least N more seconds.
  if (rd.minFresh !== undefined && freshLeftMs < rd.minFresh * 1000) return 'min-fresh';
  return undefined;
}
