/**
 * Deterministic object bodies: the same path, version and size always give the same bytes, and a
 * new version gives different bytes, so a cache serving stale content is visible in the body.
 */

import { LRUCache } from 'lru-cache';

const FILLER_BLOCK_BYTES = 4096;
const ALPHABET = new TextEncoder().encode('abcdefghijklmnopqrstuvwxyz0123456789');
const encoder = new TextEncoder();

/** FNV-1a over UTF-16 code units: small, stable and good enough to seed filler and name ETags. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The first line of every body; readable so a person with curl sees which version they got. */
export function bodyHeadline(path: string, version: number): string {
  return `path=${path} version=${version}\n`;
}

/**
 * Exactly `sizeBytes` bytes: the headline (truncated if the size is smaller), then printable
 * filler. The filler is one block from a PRNG seeded by path and version, repeated, because
 * generating 64 MiB byte by byte would make large objects slow to serve.
 */
export function objectBody(path: string, version: number, sizeBytes: number): Uint8Array {
  // Popular objects are asked for again and again (the simulator's workload most of all), and
  // building one costs a PRNG block: keep recent bodies. Callers only read them.
  const memoKey = `${path}\u0000${version}\u0000${sizeBytes}`;
  const remembered = recentBodies.get(memoKey);
  if (remembered !== undefined) return remembered;
  const body = buildBody(path, version, sizeBytes);
  recentBodies.set(memoKey, body);
  return body;
}

/** Bodies kept for reuse, bounded by bytes; larger ones are built each time. */
export const BODY_MEMO_MAX_BYTES = 64 * 1024 * 1024;
const recentBodies = new LRUCache<string, Uint8Array>({
  maxSize: BODY_MEMO_MAX_BYTES,
  maxEntrySize: 1024 * 1024,
  sizeCalculation: (body) => Math.max(1, body.length),
});

function buildBody(path: string, version: number, sizeBytes: number): Uint8Array {
  // Every byte is written below, so skip the zero fill; "slow" keeps memoized bodies off the
  // shared allocation pool, which a long-lived body would pin.
  const body = Buffer.allocUnsafeSlow(sizeBytes);
  const headline = encoder.encode(bodyHeadline(path, version));
  body.set(headline.subarray(0, sizeBytes));
  const start = Math.min(headline.length, sizeBytes);
  if (start === sizeBytes) return body;

  const block = fillerBlock(`${path}\u0000${version}`);
  const firstCopy = Math.min(block.length, sizeBytes - start);
  body.set(block.subarray(0, firstCopy), start);
  // Doubling copies keep the repetition cheap for large bodies; `filled` stays a whole number of
  // blocks until the last copy, so filler byte i is always block[i % FILLER_BLOCK_BYTES].
  let filled = firstCopy;
  while (start + filled < sizeBytes) {
    const copy = Math.min(filled, sizeBytes - start - filled);
    body.copyWithin(start + filled, start, start + copy);
    filled += copy;
  }
  return body;
}

function fillerBlock(seedText: string): Uint8Array {
  const block = new Uint8Array(FILLER_BLOCK_BYTES);
  // mulberry32: a tiny seeded PRNG, so filler depends on nothing but the seed text. Each 32-bit
  // draw gives four filler bytes (one per byte of the draw), a quarter of the PRNG steps.
  let state = fnv1a32(seedText);
  for (let i = 0; i < block.length; i += 4) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const n = (t ^ (t >>> 14)) >>> 0;
    block[i] = ALPHABET[(n & 0xff) % ALPHABET.length]!;
    block[i + 1] = ALPHABET[((n >>> 8) & 0xff) % ALPHABET.length]!;
    block[i + 2] = ALPHABET[((n >>> 16) & 0xff) % ALPHABET.length]!;
    block[i + 3] = ALPHABET[(n >>> 24) % ALPHABET.length]!;
  }
  return block;
}
