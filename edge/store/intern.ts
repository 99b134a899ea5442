/**
 * Interning of header names, header values and stored-response traits. Most stored responses
 * repeat the same strings (Content-Type, Cache-Control, a Date shared by everything filled in
 * one second) and the same status and reuse rules, and V8 keeps one copy per response unless
 * told otherwise. Sharing them is most of the per-object overhead a cache of small objects can
 * save. Every table is bounded: when full it starts over, which costs only sharing, never
 * correctness.
 *
 * The tables belong to an Interner, one per edge (edge/pipeline/edge.ts owns it): a table shared
 * by the process would be shared by every simulated node and every swarm seed, and what one of
 * them stored would decide what another shares and when its tables start over.
 */

import type { StoredTraits } from './stored-response.js';

export const MAX_INTERNED = 16_384;
/** Longer values are nearly always unique (cookies, long lists); interning them only costs. */
export const MAX_INTERNED_LENGTH = 128;
/** Field names tracked by value() before it starts over. */
export const MAX_TRACKED_FIELDS = 1_024;
/**
 * Distinct traits kept per name array. Past this the rules vary per response (say a computed
 * stale-if-error), sharing stops paying, and further ones are kept unshared.
 */
export const MAX_TRAITS_PER_NAMES = 32;

/** A trie over header names: finding a known sequence allocates nothing. */
interface ShapeNode {
  next: Map<string, ShapeNode>;
  shape: readonly string[] | undefined;
}

export class Interner {
  private readonly table = new Map<string, string>();
  /** The last value each field name had, for value(). */
  private readonly lastValues = new Map<string, string>();
  private shapeRoot: ShapeNode = { next: new Map(), shape: undefined };
  private shapeCount = 0;
  /** Interned traits by their (interned) header name array. */
  private readonly traitsByNames = new Map<readonly string[], StoredTraits[]>();

  /** The shared copy of a string. */
  intern(value: string): string {
    if (value.length > MAX_INTERNED_LENGTH) return value;
    return this.table.get(value) ?? this.admit(value);
  }

  private admit(value: string): string {
    if (this.table.size >= MAX_INTERNED) this.table.clear();
    this.table.set(value, value);
    return value;
  }

  /**
   * The shared copy of a header field's value. A value enters the table only once its field has
   * had it twice in a row: ETags and request ids, unique per response, would otherwise fill the
   * table with one-off entries and make it start over every MAX_INTERNED fills, the garbage of its
   * growth with it. Low-cardinality values (Content-Type, a second's Date) repeat within a few
   * fills, and only the copies stored before that are not shared.
   */
  value(name: string, value: string): string {
    if (value.length > MAX_INTERNED_LENGTH) return value;
    const shared = this.table.get(value);
    if (shared !== undefined) return shared;
    return this.repeated(name, value) ? this.admit(value) : value;
  }

  /** True when `name` had this same value last time; remembers it for next time. */
  private repeated(name: string, value: string): boolean {
    const last = this.lastValues.get(name);
    if (last === undefined && this.lastValues.size >= MAX_TRACKED_FIELDS) this.lastValues.clear();
    this.lastValues.set(name, value);
    return last === value;
  }

  /**
   * One shared, frozen array per distinct sequence of header names: the first `length` entries of
   * `names` (a scratch array the caller reuses). Bounded like intern: past MAX_INTERNED shapes the
   * trie starts over.
   */
  names(names: readonly string[], length: number): readonly string[] {
    let node = this.shapeRoot;
    for (let i = 0; i < length; i++) {
      const name = names[i]!;
      let child = node.next.get(name);
      if (child === undefined) {
        child = { next: new Map(), shape: undefined };
        node.next.set(name, child);
      }
      node = child;
    }
    if (node.shape === undefined) {
      if (this.shapeCount >= MAX_INTERNED) {
        this.shapeRoot = { next: new Map(), shape: undefined };
        this.shapeCount = 0;
        return this.names(names, length);
      }
      this.shapeCount++;
      node.shape = Object.freeze(names.slice(0, length).map((n) => this.intern(n)));
    }
    return node.shape;
  }

  /**
   * The shared, frozen copy of `traits`. Traits are looked up by their headerNames array, so pass
   * one from names() for them to be shared.
   */
  traits(traits: StoredTraits): StoredTraits {
    let known = this.traitsByNames.get(traits.headerNames);
    if (known === undefined) {
      if (this.traitsByNames.size >= MAX_INTERNED) this.traitsByNames.clear();
      known = [];
      this.traitsByNames.set(traits.headerNames, known);
    }
    for (const shared of known) if (sameTraits(shared, traits)) return shared;
    const frozen = Object.freeze({ ...traits });
    if (known.length < MAX_TRAITS_PER_NAMES) known.push(frozen);
    return frozen;
  }
}

function sameTraits(a: StoredTraits, b: StoredTraits): boolean {
  return (
    a.status === b.status &&
    a.noCache === b.noCache &&
    a.mustRevalidate === b.mustRevalidate &&
    a.staleWhileRevalidateMs === b.staleWhileRevalidateMs &&
    a.staleIfErrorMs === b.staleIfErrorMs &&
    sameNames(a.varyNames, b.varyNames)
  );
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
