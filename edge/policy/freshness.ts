/**
 * Freshness lifetime and age (RFC 9111 §4.2), computed once when a response is stored so that
 * a hit only compares numbers.
 */
import { headerValue, headerValues, type HeaderList } from '../../common/http.js';
import { MAX_DELTA_SECONDS, parseCacheControl, parseDeltaSeconds, type Directives } from './cache-control.js';
import { parseHttpDate } from '../../common/http-semantics/http-date.js';
import { parseTargetedCacheControl } from './targeted-cache-control.js';

/** Statuses a cache may give a heuristic lifetime (RFC 9110 §15.1). */
export const HEURISTICALLY_CACHEABLE = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

export interface HeuristicOptions {
  /** Fraction of (Date - Last-Modified) used as the lifetime (§4.2.2 suggests 10%). */
  fraction: number;
  maxSeconds: number;
}

/** The directives this cache obeys: CDN-Cache-Control when valid, else Cache-Control (RFC 9213 §2.1). */
export interface EffectiveDirectives {
  directives: Directives;
  /** True when CDN-Cache-Control decided; Cache-Control and Expires are then ignored. */
  targeted: boolean;
}

export function effectiveDirectives(headers: HeaderList): EffectiveDirectives {
  const targeted = parseTargetedCacheControl(headerValue(headers, 'cdn-cache-control'));
  if (targeted !== undefined) return { directives: targeted, targeted: true };
  return { directives: parseCacheControl(headerValue(headers, 'cache-control')), targeted: false };
}

/**
 * Age field (§5.1): the first value counts; anything that is not delta-seconds is ignored.
 * Values past 2^31 are clamped, which makes the response stale.
 */
export function parseAgeSeconds(headers: HeaderList): number {
  const first = headerValues(headers, 'age')[0];
  if (first === undefined) return 0;
  const value = first.split(',')[0]!.split(';')[0]!.trim();
  return parseDeltaSeconds(value) ?? 0;
}

export interface Lifetime {
  lifetimeMs: number;
  heuristic: boolean;
}

/** Freshness lifetime for a shared cache (§4.2.1, §4.2.2). */
export function freshnessLifetime(
  status: number,
  headers: HeaderList,
  effective: EffectiveDirectives,
  responseTimeMs: number,
  heuristic: HeuristicOptions,
): Lifetime {
  const d = effective.directives;
  if (d.sMaxAge !== undefined) return { lifetimeMs: d.sMaxAge * 1000, heuristic: false };
  if (d.maxAge !== undefined) return { lifetimeMs: d.maxAge * 1000, heuristic: false };
  const dateMs = parseHttpDate(headerValue(headers, 'date')) ?? responseTimeMs;
  if (!effective.targeted) {
    const expires = headerValues(headers, 'expires');
    if (expires.length > 0) {
      // Several Expires lines, or an invalid date, mean "already expired" (§5.3).
      const expiresMs = expires.length === 1 ? parseHttpDate(expires[0]) : undefined;
      if (expiresMs === undefined) return { lifetimeMs: 0, heuristic: false };
      return { lifetimeMs: Math.max(0, expiresMs - dateMs), heuristic: false };
    }
  }
  if (!HEURISTICALLY_CACHEABLE.has(status) && !d.public) return { lifetimeMs: 0, heuristic: false };
  const lastModifiedMs = parseHttpDate(headerValue(headers, 'last-modified'));
  if (lastModifiedMs === undefined || lastModifiedMs >= dateMs) return { lifetimeMs: 0, heuristic: true };
  const lifetimeMs = Math.min((dateMs - lastModifiedMs) * heuristic.fraction, heuristic.maxSeconds * 1000);
  return { lifetimeMs: Math.floor(lifetimeMs), heuristic: true };
}

/**
 * corrected_initial_age (§4.2.3): the larger of the apparent age (by the origin's Date) and
 * the Age field plus the time the exchange took. A Date in the future counts as age 0, so
 * an origin whose clock runs ahead cannot make a response fresher than it is.
 */
export function correctedInitialAgeMs(headers: HeaderList, requestTimeMs: number, responseTimeMs: number): number {
  const dateMs = parseHttpDate(headerValue(headers, 'date'));
  const apparentAgeMs = dateMs === undefined ? 0 : Math.max(0, responseTimeMs - dateMs);
  const responseDelayMs = Math.max(0, responseTimeMs - requestTimeMs);
  const correctedAgeValueMs = Math.min(parseAgeSeconds(headers), MAX_DELTA_SECONDS) * 1000 + responseDelayMs;
  return Math.max(apparentAgeMs, correctedAgeValueMs);
}

/** current_age (§4.2.3). A wall clock that jumped back never makes the age shrink. */
export function currentAgeMs(initialAgeMs: number, responseTimeMs: number, nowMs: number): number {
  return initialAgeMs + Math.max(0, nowMs - responseTimeMs);
}
