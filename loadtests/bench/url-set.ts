/**
 * The URLs a case requests: one path, or a hot set `prefix + 0 .. prefix + (count - 1)` visited
 * in a fixed order (a prime stride through the set), the same in wrk's Lua and the node generator.
 */

export type UrlSet = { kind: 'single'; path: string } | { kind: 'hot'; prefix: string; count: number; suffix: string };

/** Coprime with every hot-set size we use that it does not divide; see `hotStride`. */
export const HOT_STRIDE = 7919;

/** A stride that visits every index exactly once per lap: HOT_STRIDE unless it shares a factor with count. */
export function hotStride(count: number): number {
  return gcd(HOT_STRIDE, count) === 1 ? HOT_STRIDE : 1;
}

export function pathAt(set: UrlSet, index: number): string {
  return set.kind === 'single' ? set.path : `${set.prefix}${index}${set.suffix}`;
}

export function urlCount(set: UrlSet): number {
  return set.kind === 'single' ? 1 : set.count;
}

export function allPaths(set: UrlSet): string[] {
  const n = urlCount(set);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pathAt(set, i));
  return out;
}

/** The request order: index k of the sequence started at `offset`. */
export function sequenceIndex(count: number, offset: number, k: number): number {
  return (offset + k * hotStride(count)) % count;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
