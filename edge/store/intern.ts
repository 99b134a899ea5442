/**
 * Interning of header names and values. Most stored responses repeat the same strings
 * (Content-Type, Cache-Control, a Date shared by everything filled in one second), and V8 keeps
 * one copy per response unless told otherwise. Sharing them is most of the per-object overhead
 * a cache of small objects can save. The table is bounded: when full it starts over, which costs
 * only sharing, never correctness.
 */

export const MAX_INTERNED = 16_384;
/** Longer values are nearly always unique (cookies, long lists); interning them only costs. */
export const MAX_INTERNED_LENGTH = 128;

const table = new Map<string, string>();

export function intern(value: string): string {
  if (value.length > MAX_INTERNED_LENGTH) return value;
  const shared = table.get(value);
  if (shared !== undefined) return shared;
  if (table.size >= MAX_INTERNED) table.clear();
  table.set(value, value);
  return value;
}

/** A trie over header names: finding a known sequence allocates nothing. */
interface ShapeNode {
  next: Map<string, ShapeNode>;
  shape: readonly string[] | undefined;
}

let shapeRoot: ShapeNode = { next: new Map(), shape: undefined };
let shapeCount = 0;

/**
 * One shared, frozen array per distinct sequence of header names: the first `length` entries of
 * `names` (a scratch array the caller reuses). Bounded like intern: past MAX_INTERNED shapes the
 * trie starts over.
 */
export function internNames(names: readonly string[], length: number): readonly string[] {
  let node = shapeRoot;
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
    if (shapeCount >= MAX_INTERNED) {
      shapeRoot = { next: new Map(), shape: undefined };
      shapeCount = 0;
      return internNames(names, length);
    }
    shapeCount++;
    node.shape = Object.freeze(names.slice(0, length).map(intern));
  }
  return node.shape;
}
