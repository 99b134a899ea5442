/**
 * Turns an upstream response into a StoredResponse, or says why it may not be stored. The
 * decision is made from the header fields alone, before the body is read, so an uncacheable
 * or oversized body can stream straight through.
 */
import { isBroken } from '../../common/break-switches.js';
import { headerValue, type HeaderList, type RequestHeaders } from '../../common/http.js';
import type { Directives } from '../policy/cache-control.js';
import { canStore, storedHeaders, type SetCookiePolicy, type StoreRefusal } from '../policy/cacheability.js';
import {
  correctedInitialAgeMs,
  effectiveDirectives,
  freshnessLifetime,
  type EffectiveDirectives,
  type HeuristicOptions,
  type Lifetime,
} from '../policy/freshness.js';
import { formatHttpDate } from '../../common/http-semantics/http-date.js';
import { parseVary, varyValues } from '../policy/vary.js';
import { StoredRecord, type StoredResponse, type StoredTraits } from '../store/stored-response.js';
import { internNames, internValue } from '../store/intern.js';
import { INTERNAL_FIELD_PREFIX } from '../routing/peer-fields.js';

export interface StorageOptions {
  setCookie: SetCookiePolicy;
  heuristic: HeuristicOptions;
  /** Stale-if-error allowance for responses that do not prohibit stale reuse (RFC 9111 §4.2.4). */
  staleIfErrorDefaultSeconds: number;
  /** This cache's Via member, e.g. `1.1 edge-1`. */
  via: string;
}

export interface UpstreamExchange {
  method: string;
  requestHeaders: RequestHeaders;
  status: number;
  headers: HeaderList;
  requestTimeMs: number;
  responseTimeMs: number;
  /** The monotonic clock when the response arrived. */
  responseMonoMs: number;
}

export type StoragePlan =
  | { store: true; effective: EffectiveDirectives; lifetime: Lifetime }
  | { store: false; reason: StoreRefusal };

export function planStorage(exchange: UpstreamExchange, options: StorageOptions): StoragePlan {
  const effective = effectiveDirectives(exchange.headers);
  const lifetime = freshnessLifetime(exchange.status, exchange.headers, effective, exchange.responseTimeMs, options.heuristic);
  const decision = canStore({
    method: exchange.method,
    requestHeaders: exchange.requestHeaders,
    status: exchange.status,
    headers: exchange.headers,
    effective,
    lifetime,
    setCookie: options.setCookie,
  });
  return decision.store ? { store: true, effective, lifetime } : decision;
}

/** Fields this cache writes itself, so the stored copies from upstream are dropped. */
const REGENERATED = new Set(['age', 'via', 'cache-status']);

export function buildStoredResponse(
  exchange: UpstreamExchange,
  plan: { effective: EffectiveDirectives; lifetime: Lifetime },
  body: Buffer,
  options: StorageOptions,
): StoredResponse {
  const { headers, requestTimeMs, responseTimeMs } = exchange;
  // Scratch arrays reused across calls (this function never awaits): a fill leaves behind only
  // the exact-length values array it stores, not growing arrays as garbage.
  const names = scratchNames;
  const values = scratchValues;
  let count = 0;
  const add = (name: string, value: string) => {
    names[count] = name;
    values[count] = internValue(name, value);
    count++;
  };
  for (const [name, value] of storedHeaders(headers, plan.effective, options.setCookie)) {
    // The peer protocol's fields (an owner's purge sequence) are for the edge that asked, never a client.
    if (!REGENERATED.has(name) && !name.startsWith(INTERNAL_FIELD_PREFIX)) add(name, value);
  }
  // A recipient that caches a response without Date must give it one (RFC 9110 §6.6.1).
  if (headerValue(headers, 'date') === undefined) add('date', formatHttpDate(responseTimeMs));
  add('content-length', String(body.length));
  const upstreamVia = headerValue(headers, 'via');
  add('via', upstreamVia === undefined ? options.via : `${upstreamVia}, ${options.via}`);

  const initialAgeMs = correctedInitialAgeMs(headers, requestTimeMs, responseTimeMs);
  const vary = parseVary(headerValue(headers, 'vary'));
  const varyNames = vary === '*' || vary.length === 0 ? NO_VARY : internNames(vary, vary.length);
  const surrogateKeys = (headerValue(headers, 'surrogate-key') ?? '').split(/\s+/).filter((k) => k !== '');
  const storedAtMs = Math.floor(exchange.responseMonoMs);
  const rules = reuseRules(plan.effective.directives, options);
  const traits = { status: exchange.status, headerNames: internNames(names, count), ...rules, varyNames };
  return new StoredRecord(traits, {
    // An exact-length copy: arrays grown by push keep spare capacity, paid for every stored object.
    headerValues: values.slice(0, count),
    body,
    storedAtMonoMs: storedAtMs,
    initialAgeMs,
    // --break freshness-ignores-age (simulator only) drops `- initialAgeMs`.
    freshUntilMonoMs: storedAtMs + plan.lifetime.lifetimeMs - (isBroken('freshness-ignores-age') ? 0 : initialAgeMs),
    varyValues: varyNames.length === 0 ? NO_VARY : varyValues(varyNames, exchange.requestHeaders),
    surrogateKeys: surrogateKeys.length === 0 ? NO_VARY : surrogateKeys,
  });
}

/** When a stored response may be reused without validation, or stale (RFC 9111 §4.2.4, RFC 5861). */
function reuseRules(
  d: Directives,
  options: StorageOptions,
): Pick<StoredTraits, 'noCache' | 'mustRevalidate' | 'staleWhileRevalidateMs' | 'staleIfErrorMs'> {
  const explicitlyRevalidate = d.mustRevalidate || d.proxyRevalidate || d.noCache;
  // s-maxage carries proxy-revalidate's meaning for shared caches (§5.2.2.10) but an explicit
  // stale-* grant from the same origin still applies.
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
          : options.staleIfErrorDefaultSeconds * 1000,
  };
}

const scratchNames: string[] = [];
const scratchValues: string[] = [];

/** Shared empty list: most responses have no Vary or Surrogate-Key, and each empty array costs memory. */
const NO_VARY: readonly string[] = Object.freeze([]);

