/**
 * A response as the cache keeps it: header fields ready for writing, the body in one Buffer,
 * and the freshness facts computed once at store time so a hit compares numbers only. Every
 * field earns its bytes: with 1 KiB objects the record is half the memory of the cache.
 */
import type { ContentCoding } from '../../common/ports.js';

export interface StoredResponse {
  readonly status: number;
  /**
   * Header field names as written to clients (origin fields minus hop-by-hop ones, plus
   * Content-Length and Via; Age and Cache-Status are added per response). The array is shared
   * by every response with the same names in the same order, which is most of them.
   */
  readonly headerNames: readonly string[];
  /** The value for each name in headerNames. */
  readonly headerValues: string[];
  readonly body: Buffer;
  /**
   * Monotonic time the response arrived, in whole milliseconds (V8 keeps small integers
   * unboxed; a fractional time would cost a heap number per object). Resident time (§4.2.3) is
   * measured on the monotonic clock, so a wall clock stepped back cannot make anything fresher;
   * the wall clock is used once, for the apparent age against the origin's Date.
   */
  readonly storedAtMonoMs: number;
  /** corrected_initial_age (§4.2.3). */
  readonly initialAgeMs: number;
  /** Monotonic instant the response stops being fresh (a soft purge brings it forward). */
  freshUntilMonoMs: number;
  /** Every reuse needs validation (no-cache). */
  readonly noCache: boolean;
  /** No stale reuse beyond explicit grants (must-revalidate, proxy-revalidate, s-maxage). */
  readonly mustRevalidate: boolean;
  /** A soft purge withdraws it. */
  staleWhileRevalidateMs: number;
  readonly staleIfErrorMs: number;
  /** Lower-case request field names from Vary and the values the storing request had. */
  readonly varyNames: readonly string[];
  readonly varyValues: ReadonlyArray<string | undefined>;
  /** Surrogate-Key members (cache tags) for purging by key. */
  readonly surrogateKeys: readonly string[];
  /**
   * The ready-made answer to a plain GET hit while this response is hot (edge/pipeline/
   * hit-answers.ts owns it and drops it when the response cools); undefined otherwise. Kept on
   * the record so a hit reaches it without a table lookup.
   */
  hitAnswer?: object | undefined;
  /** The last second (of the lookup's clock) this response was moved to the LRU's tail. */
  touchedSecond?: number;
  /**
   * Copies of the body in the codings the edge produced itself (--compress), each a full
   * response a client that accepts its coding is served; absent when there are none. They live
   * and die with this response and their bytes count toward the store's bound (chargedBytes).
   */
  variants?: readonly EncodedVariant[] | undefined;
}

/** A stored response in one content coding the edge produced (edge/pipeline/compressed-variants.ts). */
export interface EncodedVariant extends StoredResponse {
  readonly coding: ContentCoding;
}

/**
 * The part of a stored response that most others share: the same status, field names and
 * reuse rules, because one origin answers most URLs alike. Kept once per distinct combination
 * (the edge's Interner), frozen.
 */
export interface StoredTraits {
  readonly status: number;
  readonly headerNames: readonly string[];
  readonly noCache: boolean;
  readonly mustRevalidate: boolean;
  readonly staleWhileRevalidateMs: number;
  readonly staleIfErrorMs: number;
  readonly varyNames: readonly string[];
}

/** What only this response has. */
export interface OwnFields {
  headerValues: string[];
  body: Buffer;
  storedAtMonoMs: number;
  initialAgeMs: number;
  freshUntilMonoMs: number;
  varyValues: ReadonlyArray<string | undefined>;
  surrogateKeys: readonly string[];
}

/**
 * The StoredResponse the edge builds: its own fields inline and the shared ones behind one
 * pointer to interned traits, so a record is 8 fields (88 bytes) where all 14 inline took 136.
 */
export class StoredRecord implements StoredResponse {
  readonly headerValues: string[];
  readonly body: Buffer;
  readonly storedAtMonoMs: number;
  readonly initialAgeMs: number;
  freshUntilMonoMs: number;
  readonly varyValues: ReadonlyArray<string | undefined>;
  readonly surrogateKeys: readonly string[];
  hitAnswer: object | undefined = undefined;
  touchedSecond = -1;
  variants: readonly EncodedVariant[] | undefined = undefined;
  private traits: StoredTraits;

  /** `traits`: shared ones from the edge's Interner (intern.ts), or this response's own. */
  constructor(traits: StoredTraits, own: OwnFields) {
    this.headerValues = own.headerValues;
    this.body = own.body;
    this.storedAtMonoMs = own.storedAtMonoMs;
    this.initialAgeMs = own.initialAgeMs;
    this.freshUntilMonoMs = own.freshUntilMonoMs;
    this.varyValues = own.varyValues;
    this.surrogateKeys = own.surrogateKeys;
    this.traits = traits;
  }

  get status(): number {
    return this.traits.status;
  }

  get headerNames(): readonly string[] {
    return this.traits.headerNames;
  }

  get noCache(): boolean {
    return this.traits.noCache;
  }

  get mustRevalidate(): boolean {
    return this.traits.mustRevalidate;
  }

  get staleWhileRevalidateMs(): number {
    return this.traits.staleWhileRevalidateMs;
  }

  /**
   * Changes this response alone (a soft purge): the traits it shared stay as they are for the
   * others, and this one gets its own copy. Soft purges are rare, so the copy is not shared.
   */
  set staleWhileRevalidateMs(ms: number) {
    if (ms !== this.traits.staleWhileRevalidateMs) this.traits = Object.freeze({ ...this.traits, staleWhileRevalidateMs: ms });
  }

  get staleIfErrorMs(): number {
    return this.traits.staleIfErrorMs;
  }

  get varyNames(): readonly string[] {
    return this.traits.varyNames;
  }
}

/** Bytes the store charges for an entry: body, header text and a fixed overhead. */
export function chargedBytes(response: StoredResponse): number {
  let headerBytes = 0;
  const { headerNames: names, headerValues: values } = response;
  for (let i = 0; i < names.length; i++) headerBytes += names[i]!.length + values[i]!.length;
  let variantBytes = 0;
  const variants = response.variants;
  if (variants !== undefined) for (const variant of variants) variantBytes += chargedBytes(variant);
  return response.body.length + headerBytes + 256 + variantBytes;
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
