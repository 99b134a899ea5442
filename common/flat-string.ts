/**
 * A string kept for long (a stored cache key, a value a memo reuses) must not be a view of a
 * larger one. V8 keeps a slice of 13 or more characters as a view of its parent and a
 * concatenation of 13 or more as a pair of pointers to its parts, so a key sliced from a request
 * head kept that whole head alive for as long as the object stayed stored (1,291 against 454
 * bytes of heap per stored object: loadtests/bench/heap-per-stored-object.ts). A view is
 * also compared with another string only through a call into C++ (Runtime_StringEqual) at every
 * Map lookup or `===`, where a sequential string is compared inside the builtins.
 */

/**
 * A flat copy of `s` holding no reference to any larger string: two halves joined make a new
 * pair, and reading a character flattens it into one new sequential string (the collector then
 * drops the pair's parts). Strings under 13 characters are copied when sliced anyway.
 */
export function flatCopy(s: string): string {
  if (s.length < 2) return s;
  const copy = s.slice(0, 1) + s.slice(1);
  copy.charCodeAt(0);
  return copy;
}
