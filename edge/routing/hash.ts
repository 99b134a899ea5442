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
  return fmix32(fnv1a(text, FNV_OFFSET_BASIS));
}

/**
 * hash32(prefix + String(n)) for a non-negative integer n, without building the string: FNV-1a
 * runs left to right, so the prefix's state is computed once and each n only adds its digits.
 * The ring hashes `${id}#${i}` for thousands of i per member.
 */
export function suffixHasher(prefix: string): (n: number) => number {
  const start = fnv1a(prefix, FNV_OFFSET_BASIS);
  return (n: number): number => {
    let h = start;
    let unit = 1;
    while (unit * 10 <= n) unit *= 10;
    for (; unit >= 1; unit /= 10) {
      h ^= 0x30 + (Math.floor(n / unit) % 10);
      h = Math.imul(h, FNV_PRIME);
    }
    return fmix32(h);
  };
}

function fnv1a(text: string, start: number): number {
  let h = start;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
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
