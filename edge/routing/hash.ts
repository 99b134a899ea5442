/**
 * Well-mixed 32-bit string hashes for the ring: FNV-1a over the UTF-16 code units, finished with
 * murmur3's fmix32 avalanche (FNV-1a alone leaves the low and high bits of similar strings such
 * as `e1#17` / `e1#18` or `/obj/41` / `/obj/42` correlated). Pure, allocation-free and the same
 * in every process, which is what lets every edge compute the same ring.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a (32 bit) of the string's UTF-16 code units, then fmix32. Unsigned 32-bit result. */
export function hash32(text: string): number {
  let h = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return fmix32(h);
}

/** murmur3's 32-bit finalizer: every input bit affects every output bit. */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
