/**
 * The response store: primary key → the stored responses for that URL, one per Vary
 * selection. Bounded by bytes with lru-cache; freshness is not lru-cache's business (its TTL
 * uses real timers), it lives in policy.
 */
import { isBroken } from '../../common/break-switches.js';
import { LRUCache } from 'lru-cache';
import type { RequestHeaders } from '../../common/http.js';
import { flatCopy } from '../../common/flat-string.js';
import { varyMatches } from '../policy/vary.js';
import { chargedBytes, type StoredResponse } from './stored-response.js';

/** Most variants kept per URL; a Vary on a high-cardinality field must not eat the cache. */
export const MAX_VARIANTS_PER_KEY = 16;

export interface StoreOptions {
  maxBytes: number;
  maxObjectBytes: number;
}

export interface StoreStats {
  entries: number;
  bytes: number;
  evictions: number;
}

type Entry = StoredResponse | StoredResponse[];

export type Lookup =
  | { kind: 'match'; response: StoredResponse }
  | { kind: 'vary-miss' }
  | { kind: 'miss' };

/**
 * What the edge needs from a response store (test/contracts/response-store.contract.ts states it
 * as tests, run against every implementation). Bounded by bytes; freshness is not its business.
 */
export interface ResponseStore {
  /** The stored response for this request's Vary selection; `nowMs` may spare a recency update (see LruResponseStore). */
  lookup(key: string, headers: RequestHeaders, nowMs?: number): Lookup;
  /** Stores a response, replacing the variant with the same Vary selection. */
  put(key: string, response: StoredResponse): void;
  /** Removes this one stored response, if it is still stored. */
  remove(key: string, response: StoredResponse): void;
  /** Every stored variant of a URL, without touching recency. */
  variants(key: string): StoredResponse[];
  /** Primary keys whose stored responses carry this surrogate key. */
  keysWithSurrogate(surrogateKey: string): string[];
  /** Removes every variant for a URL; true when there was one. */
  invalidate(key: string): boolean;
  /** Primary keys currently stored, most recently used first. */
  keys(): IterableIterator<string>;
  stats(): StoreStats;
  clear(): void;
}

/** The ResponseStore over lru-cache, bounded by the bytes each response is charged. */
export class LruResponseStore implements ResponseStore {
  private readonly lru: LRUCache<string, Entry>;
  private evictions = 0;
  /** Surrogate key (cache tag) → primary keys whose stored responses carry it, for purge by key. */
  private readonly bySurrogate = new Map<string, Set<string>>();

  constructor(options: StoreOptions) {
    this.lru = new LRUCache<string, Entry>({
      // --break local-capacity (simulator only) doubles the bound.
      maxSize: isBroken('local-capacity') ? 2 * options.maxBytes : options.maxBytes,
      // An entry holds up to MAX_VARIANTS_PER_KEY objects, each at most maxObjectBytes.
      maxEntrySize: Math.min(options.maxBytes, options.maxObjectBytes * MAX_VARIANTS_PER_KEY + 4096 * MAX_VARIANTS_PER_KEY),
      sizeCalculation: (entry) => (Array.isArray(entry) ? entry.reduce((sum, r) => sum + chargedBytes(r), 0) : chargedBytes(entry)),
      dispose: (value, key, reason) => {
        if (reason === 'evict') this.evictions++;
        this.unindex(key, value);
      },
    });
  }

  /**
   * The stored response for this request, if any. `nowMs` (any clock in ms) lets a single-variant
   * entry skip the recency update when it already had one in the same second, as Varnish's
   * lru_interval does: moving an entry to the LRU's tail touches several scattered slots, which
   * over a large hot set are mostly cache misses, and order within one second barely matters to
   * what is evicted. Without `nowMs` every lookup updates recency.
   */
  lookup(key: string, headers: RequestHeaders, nowMs?: number): Lookup {
    const entry = nowMs === undefined ? this.lru.get(key) : this.recentLookup(key, Math.floor(nowMs / 1000));
    if (entry === undefined) return { kind: 'miss' };
    if (!Array.isArray(entry)) {
      if (entry.varyNames.length === 0 || varyMatches(entry.varyNames, entry.varyValues, headers)) {
        return { kind: 'match', response: entry };
      }
      return { kind: 'vary-miss' };
    }
    for (const response of entry) {
      if (varyMatches(response.varyNames, response.varyValues, headers)) return { kind: 'match', response };
    }
    return { kind: 'vary-miss' };
  }

  private recentLookup(key: string, second: number): Entry | undefined {
    const entry = this.lru.peek(key);
    if (entry === undefined) return undefined;
    if (Array.isArray(entry) || entry.touchedSecond !== second) {
      this.lru.get(key);
      if (!Array.isArray(entry)) entry.touchedSecond = second;
    }
    return entry;
  }

  /** Stores a response, replacing the variant with the same Vary selection. */
  put(received: string, response: StoredResponse): void {
    // A stored key is a flat string of its own: a key built by concatenating host and target
    // would keep the pair and its own copy of the target (~16 bytes more per object: 537 -> 522
    // bytes of live heap per stored 1 KiB object), and one that is a slice of a request's target
    // would keep that request's whole head alive for as long as the object stays.
    const key = flatCopy(received);
    const existing = this.lru.peek(key);
    if (existing === undefined || response.varyNames.length === 0) {
      this.lru.set(key, response);
      this.index(key, response);
      return;
    }
    const variants = (Array.isArray(existing) ? existing : [existing]).filter(
      (r) => r.varyNames.length > 0 && !sameSelection(r, response),
    );
    variants.unshift(response);
    if (variants.length > MAX_VARIANTS_PER_KEY) variants.length = MAX_VARIANTS_PER_KEY;
    const entry = variants.length === 1 ? response : variants;
    this.lru.set(key, entry);
    this.index(key, entry);
  }

  /** Removes one stored response (e.g. after the origin said it is gone). */
  remove(key: string, response: StoredResponse): void {
    const existing = this.lru.peek(key);
    if (existing === undefined) return;
    if (!Array.isArray(existing)) {
      if (existing === response) this.lru.delete(key);
      return;
    }
    const rest = existing.filter((r) => r !== response);
    if (rest.length === 0) {
      this.lru.delete(key);
    } else {
      const entry = rest.length === 1 ? rest[0]! : rest;
      this.lru.set(key, entry);
      this.index(key, entry);
    }
  }

  /** Every stored variant of a URL, without touching recency (for purges). */
  variants(key: string): StoredResponse[] {
    const entry = this.lru.peek(key);
    if (entry === undefined) return [];
    return Array.isArray(entry) ? entry : [entry];
  }

  /** Primary keys whose stored responses carry this surrogate key. */
  keysWithSurrogate(surrogateKey: string): string[] {
    return [...(this.bySurrogate.get(surrogateKey) ?? [])];
  }

  private index(key: string, entry: Entry): void {
    for (const response of Array.isArray(entry) ? entry : [entry]) {
      for (const tag of response.surrogateKeys) {
        let keys = this.bySurrogate.get(tag);
        if (keys === undefined) this.bySurrogate.set(tag, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, entry: Entry): void {
    for (const response of Array.isArray(entry) ? entry : [entry]) {
      for (const tag of response.surrogateKeys) {
        const keys = this.bySurrogate.get(tag);
        if (keys === undefined) continue;
        keys.delete(key);
        if (keys.size === 0) this.bySurrogate.delete(tag);
      }
    }
  }

  /** Removes every variant for a URL. */
  invalidate(key: string): boolean {
    return this.lru.delete(key);
  }

  /** Primary keys currently stored, most recently used first. */
  keys(): IterableIterator<string> {
    return this.lru.keys();
  }

  stats(): StoreStats {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize, evictions: this.evictions };
  }

  clear(): void {
    this.lru.clear();
  }
}

function sameSelection(a: StoredResponse, b: StoredResponse): boolean {
  if (a.varyNames.length !== b.varyNames.length) return false;
  for (let i = 0; i < a.varyNames.length; i++) {
    if (a.varyNames[i] !== b.varyNames[i] || a.varyValues[i] !== b.varyValues[i]) return false;
  }
  return true;
}
