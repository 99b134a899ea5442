/**
 * Turns an upstream response into a StoredResponse, or says why it may not be stored. The
 * decision is made from the header fields alone, before the body is read, so an uncacheable
 * or oversized body can stream straight through.
 */
import { isBroken } from '../../common/break-switches.js';
import { headerValue, type HeaderList, type RequestHeaders } from '../../common/http.js';
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
import { reuseRules } from '../policy/reuse.js';
import { parseSurrogateKeys } from '../policy/surrogate-keys.js';
import { parseVary, varyValues } from '../policy/vary.js';
import { flatCopy } from '../../common/flat-string.js';
import { StoredRecord, type StoredResponse } from '../store/stored-response.js';
import type { Interner } from '../store/intern.js';
import { INTERNAL_FIELD_PREFIX } from '../routing/peer-fields.js';

export interface StorageOptions {
  setCookie: SetCookiePolicy;
  heuristic: HeuristicOptions;
  /** Stale-if-error allowance for responses that do not prohibit stale reuse (RFC 9111 §4.2.4). */
  staleIfErrorDefaultSeconds: number;
  /** This cache's Via member, e.g. `1.1 edge-1`. */
  via: string;
  /** This edge's shared strings and traits (intern.ts): per edge, never per process. */
  interner: Interner;
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
  /**
   * The copy's surrogate keys when the fields may not show them all (surrogate-keys.ts): a peer's
   * answer or push names them, and a 304 without Surrogate-Key keeps the stored copy's. Absent:
   * the members of the exchange's Surrogate-Key field.
   */
  surrogateKeys?: readonly string[] | undefined;
}

/** What building a stored response needs from a plan (a refused plan stores with none). */
export interface StoredRules {
  effective: EffectiveDirectives;
  lifetime: Lifetime;
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
  plan: StoredRules,
  body: Buffer,
  options: StorageOptions,
  /**
   * The edge asked the origin for identity and negotiates the coding itself (--compress): an
   * identity answer serves every Accept-Encoding, so that field leaves the secondary key.
   */
  edgeNegotiatesEncoding = false,
): StoredResponse {
  const { headers, requestTimeMs, responseTimeMs } = exchange;
  // Scratch arrays reused across calls (this function never awaits): a fill leaves behind only
  // the exact-length values array it stores, not growing arrays as garbage.
  const interner = options.interner;
  const names = scratchNames;
  const values = scratchValues;
  let count = 0;
  const add = (name: string, value: string) => {
    names[count] = name;
    values[count] = interner.value(name, value);
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
  let vary = parseVary(headerValue(headers, 'vary'));
  if (edgeNegotiatesEncoding && vary !== '*' && headerValue(headers, 'content-encoding') === undefined) vary = vary.filter((name) => name !== 'accept-encoding');
  const varyNames = vary === '*' || vary.length === 0 ? NO_VARY : interner.names(vary, vary.length);
  const surrogateKeys = exchange.surrogateKeys ?? parseSurrogateKeys(headerValue(headers, 'surrogate-key'));
  const storedAtMs = Math.floor(exchange.responseMonoMs);
  const rules = reuseRules(plan.effective.directives, options.staleIfErrorDefaultSeconds);
  const traits = interner.traits({ status: exchange.status, headerNames: interner.names(names, count), ...rules, varyNames });
  return new StoredRecord(traits, {
    // An exact-length copy: arrays grown by push keep spare capacity, paid for every stored object.
    headerValues: values.slice(0, count),
    body,
    storedAtMonoMs: storedAtMs,
    initialAgeMs,
    // --break freshness-ignores-age (simulator only) drops `- initialAgeMs`.
    freshUntilMonoMs: storedAtMs + plan.lifetime.lifetimeMs - (isBroken('freshness-ignores-age') ? 0 : initialAgeMs),
    // Copies of their own: a request's value may be a view of the head it was parsed from.
    varyValues: varyNames.length === 0 ? NO_VARY : varyValues(varyNames, exchange.requestHeaders).map((v) => (v === undefined ? v : flatCopy(v))),
    surrogateKeys: surrogateKeys.length === 0 ? NO_VARY : surrogateKeys,
  });
}

const scratchNames: string[] = [];
const scratchValues: string[] = [];

/** Shared empty list: most responses have no Vary or Surrogate-Key, and each empty array costs memory. */
const NO_VARY: readonly string[] = Object.freeze([]);

