/**
 * When a stored response may be reused, and how: fresh, stale on the client's max-stale, stale
 * while revalidating, stale on an origin error, or not at all until validated. Every place that
 * judges a stored copy (the hit path, the handoff answer, the leaving edge's push, the stale
 * fallback, a soft purge, the rules recorded at store time) asks these predicates, so the rules
 * live here once. Times are the monotonic clock in milliseconds, passed in.
 */
import type { Directives } from './cache-control.js';
import { currentAgeMs } from './freshness.js';
import { requestDemandsValidation, type RequestValidation } from './request-directives.js';

/** The reuse rules a response carries from the moment it is stored. */
export interface ReuseRules {
  /** Every reuse needs validation (response no-cache, RFC 9111 §5.2.2.4). */
  readonly noCache: boolean;
  /** No stale reuse beyond explicit stale-* grants (must-revalidate, proxy-revalidate, s-maxage). */
  readonly mustRevalidate: boolean;
  /** RFC 5861 §3: how long past freshness the copy may be served while one refresh runs. */
  readonly staleWhileRevalidateMs: number;
  /** RFC 5861 §4: how long past freshness the copy may stand in for a failed origin. */
  readonly staleIfErrorMs: number;
}

/** What the predicates read of a stored response; StoredResponse has all of it. */
export interface ReusableCopy extends ReuseRules {
  /** Monotonic time the copy arrived (resident time is measured from it, §4.2.3). */
  readonly storedAtMonoMs: number;
  /** corrected_initial_age (§4.2.3). */
  readonly initialAgeMs: number;
  /** Monotonic instant the copy stops being fresh (§4.2: lifetime minus initial age). */
  readonly freshUntilMonoMs: number;
}

/**
 * The rules recorded when a response with directives `d` is stored. RFC 9111 §5.2.2.2
 * must-revalidate and §5.2.2.8 proxy-revalidate forbid stale reuse; so does §5.2.2.4 no-cache
 * (every reuse validates). §5.2.2.10: s-maxage carries proxy-revalidate's meaning for a shared
 * cache, but an explicit stale-* grant (RFC 5861) from the same origin still applies. Where
 * nothing forbids it, §4.2.4 lets a cache serve stale when disconnected from the origin:
 * `staleIfErrorDefaultSeconds` is this cache's choice for that.
 */
export function reuseRules(d: Directives, staleIfErrorDefaultSeconds: number): ReuseRules {
  const explicitlyRevalidate = d.mustRevalidate || d.proxyRevalidate || d.noCache;
  const mustRevalidate = explicitlyRevalidate || d.sMaxAge !== undefined;
  return {
    noCache: d.noCache,
    mustRevalidate,
    staleWhileRevalidateMs: explicitlyRevalidate ? 0 : (d.staleWhileRevalidate ?? 0) * 1000,
    staleIfErrorMs: explicitlyRevalidate
      ? 0
      : d.staleIfError !== undefined
        ? d.staleIfError * 1000
        : mustRevalidate
          ? 0
          : staleIfErrorDefaultSeconds * 1000,
  };
}

/**
 * RFC 9111 §4.2: fresh while its age is below its freshness lifetime (freshUntilMonoMs holds
 * both), and reusable without validation as far as the response is concerned (§5.2.2.4: not
 * no-cache).
 */
export function isFresh(copy: ReusableCopy, nowMs: number): boolean {
  return !copy.noCache && nowMs < copy.freshUntilMonoMs;
}

/**
 * The client's own directives that rule out reuse without validation (RFC 9111 §5.2.1.1
 * max-age, §5.2.1.3 min-fresh, §5.2.1.4 no-cache; request-directives.ts), or undefined.
 * `rd` is undefined when the request has no Cache-Control or the edge ignores it.
 */
export function requestDemand(rd: Directives | undefined, copy: ReusableCopy, nowMs: number): RequestValidation | undefined {
  if (rd === undefined) return undefined;
  return requestDemandsValidation(rd, currentAgeMs(copy.initialAgeMs, copy.storedAtMonoMs, nowMs), copy.freshUntilMonoMs - nowMs);
}

/**
 * RFC 9111 §5.2.1.2: a client's max-stale=N accepts a copy stale by at most N seconds, unless
 * the response said must-revalidate (§5.2.2.2, with proxy-revalidate and s-maxage) or no-cache.
 */
export function maxStaleAllows(rd: Directives | undefined, copy: ReusableCopy, nowMs: number): boolean {
  const maxStale = rd?.maxStale;
  return maxStale !== undefined && !copy.mustRevalidate && !copy.noCache && nowMs - copy.freshUntilMonoMs <= maxStale * 1000;
}

/** RFC 5861 §3: inside the stale-while-revalidate window the copy is served while one refresh runs. */
export function staleWhileRevalidateAllows(copy: ReusableCopy, nowMs: number): boolean {
  return !copy.noCache && nowMs < copy.freshUntilMonoMs + copy.staleWhileRevalidateMs;
}

/**
 * RFC 5861 §4 (and RFC 9111 §4.2.4 for the default grant): inside the stale-if-error window the
 * copy may answer when the origin fails. Whether this copy may be trusted at all is
 * staleFallbackTrusted's question.
 */
export function staleIfErrorAllows(copy: ReusableCopy, nowMs: number): boolean {
  return !copy.noCache && nowMs < copy.freshUntilMonoMs + copy.staleIfErrorMs;
}

/**
 * The edge's lease: the control plane grants reuse without validation until `leaseUntilMonoMs`,
 * because while its push stream is live the edge cannot have missed a purge. Without a lease a
 * purge may have been missed, so nothing is reused unvalidated. An edge with no control plane
 * needs no lease and does not ask (EdgeControl.leaseValid), so a hit reads no clock for it.
 */
export function leaseAllowsReuse(leaseUntilMonoMs: number, nowMs: number): boolean {
  return nowMs < leaseUntilMonoMs;
}

/**
 * Whether a stale copy in hand may stand in for a failed origin at all (before its
 * stale-if-error window is asked): the lease must have held when the request began (a lease
 * renewed meanwhile proves nothing about this copy) unless the operator allows stale without a
 * lease, and no purge that matches the copy may have landed since the request began.
 */
export function staleFallbackTrusted(leasedAtStart: boolean, staleWithoutLease: boolean, purgedSinceStart: boolean): boolean {
  return (leasedAtStart || staleWithoutLease) && !purgedSinceStart;
}

/**
 * A new owner's handoff request takes only a copy this edge could serve itself without
 * validation: fresh, under a valid lease (a copy held without one may be what a missed purge
 * was meant for; the new owner goes to the origin instead).
 */
export function handoffMayServe(copy: ReusableCopy, nowMs: number, leased: boolean): boolean {
  return leased && isFresh(copy, nowMs);
}

/**
 * A soft purge: the copy becomes stale now (so it is revalidated before reuse) and loses its
 * stale-while-revalidate window (serving it stale while refreshing would show the purged
 * content), while stale-if-error still covers an origin that fails. Never makes a copy fresher.
 */
export function softPurged(copy: ReusableCopy, nowMs: number): { freshUntilMonoMs: number; staleWhileRevalidateMs: number } {
  return { freshUntilMonoMs: Math.min(copy.freshUntilMonoMs, Math.floor(nowMs) - 1), staleWhileRevalidateMs: 0 };
}
