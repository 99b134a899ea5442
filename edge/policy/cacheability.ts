/**
 * Whether a shared cache may store a response (RFC 9111 §3, §3.5) and which header fields it
 * keeps when it does (§3.1).
 */
import { headerValue, type HeaderList, type RequestHeaders } from '../../common/http.js';
import { parseCacheControl } from './cache-control.js';
import type { EffectiveDirectives, Lifetime } from './freshness.js';
import { HEURISTICALLY_CACHEABLE } from './freshness.js';
import { hopByHopNames } from './hop-by-hop.js';
import { parseVary } from './vary.js';

/** What to do with responses that carry Set-Cookie. */
export type SetCookiePolicy = 'bypass' | 'strip' | 'store';

export type StoreDecision =
  | { store: true }
  | { store: false; reason: StoreRefusal };

export type StoreRefusal =
  | 'method'
  | 'status'
  | 'no-store'
  | 'private'
  | 'authorization'
  | 'set-cookie'
  | 'vary-star'
  | 'vary-client-address'
  | 'not-cacheable'
  | 'request-no-store';

/** Status codes whose semantics this cache understands, for must-understand (§5.2.2.3). */
const UNDERSTOOD_STATUS = new Set([...HEURISTICALLY_CACHEABLE, 302, 303, 307, 400, 403, 500, 502, 503, 504]);

export interface StoreInputs {
  method: string;
  requestHeaders: RequestHeaders;
  status: number;
  headers: HeaderList;
  effective: EffectiveDirectives;
  lifetime: Lifetime;
  setCookie: SetCookiePolicy;
}

export function canStore(input: StoreInputs): StoreDecision {
  const { status, headers } = input;
  const d = input.effective.directives;
  if (input.method !== 'GET') return { store: false, reason: 'method' };
  // 206 is never stored (we store complete responses only); 304 updates, it does not store.
  if (status < 200 || status === 206 || status === 304) return { store: false, reason: 'status' };
  if (d.mustUnderstand) {
    if (!UNDERSTOOD_STATUS.has(status)) return { store: false, reason: 'status' };
  } else if (d.noStore) {
    return { store: false, reason: 'no-store' };
  }
  if (d.private) return { store: false, reason: 'private' };
  const requestCc = input.requestHeaders['cache-control'];
  if (requestCc !== undefined && parseCacheControl(String(requestCc)).noStore) {
    return { store: false, reason: 'request-no-store' };
  }
  if (input.requestHeaders['authorization'] !== undefined && !d.public && !d.mustRevalidate && d.sMaxAge === undefined) {
    return { store: false, reason: 'authorization' };
  }
  if (input.setCookie === 'bypass' && headers.some(([n]) => n === 'set-cookie')) {
    return { store: false, reason: 'set-cookie' };
  }
  const vary = parseVary(headerValue(headers, 'vary'));
  if (vary === '*') return { store: false, reason: 'vary-star' };
  // §4.1 matches the presented request against the request that elicited the response, and that
  // is the request as forwarded. The edge appends the client's address to X-Forwarded-For, so the
  // origin selected on a value no later request's own field can reproduce: two clients sending the
  // same X-Forwarded-For from different addresses would share one variant. Such a response is per
  // client: not stored. (Every other field is forwarded as the client sent it, Via only gains a
  // constant, and fields the edge drops are absent for every client alike.)
  if (vary.includes('x-forwarded-for')) return { store: false, reason: 'vary-client-address' };
  // §3: something must make the response cacheable at all.
  const explicitlyCacheable =
    d.public ||
    d.maxAge !== undefined ||
    d.sMaxAge !== undefined ||
    (!input.effective.targeted && headers.some(([n]) => n === 'expires')) ||
    HEURISTICALLY_CACHEABLE.has(status);
  if (!explicitlyCacheable) return { store: false, reason: 'not-cacheable' };
  // A response that could never be reused without a full round trip is not worth the memory:
  // no lifetime, no validator to revalidate with and no stale-* allowance.
  const hasValidator = headers.some(([n]) => n === 'etag' || n === 'last-modified');
  if (input.lifetime.lifetimeMs === 0 && !hasValidator && d.staleWhileRevalidate === undefined && d.staleIfError === undefined) {
    return { store: false, reason: 'not-cacheable' };
  }
  return { store: true };
}

/**
 * The header fields kept in the cache: hop-by-hop fields and those listed in Connection are
 * dropped (§3.1), as are fields named by qualified private/no-cache (§5.2.2.4, §5.2.2.7) and,
 * under the 'strip' policy, Set-Cookie. Content-Length is regenerated from the stored body.
 */
export function storedHeaders(headers: HeaderList, effective: EffectiveDirectives, setCookie: SetCookiePolicy): HeaderList {
  const hopByHop = hopByHopNames(headerValue(headers, 'connection'));
  const { privateFields, noCacheFields } = effective.directives;
  const dropCookies = setCookie !== 'store';
  return headers.filter(
    ([name]) =>
      !(
        hopByHop.has(name) ||
        name === 'content-length' ||
        (dropCookies && name === 'set-cookie') ||
        privateFields.includes(name) ||
        noCacheFields.includes(name)
      ),
  );
}
