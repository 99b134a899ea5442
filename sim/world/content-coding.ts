/**
 * Content codings in the simulated world: which Accept-Encoding a client sends (the scenario's
 * weighted mix, drawn from a stream of its own so the workload's draws are untouched), and the
 * identity bytes of an answer the edge compressed (`--compress`), so the body's version headline
 * is read from what the origin sent, not from gzip or brotli bytes.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { HeaderList } from '../../common/http.js';
import type { EdgeResponse } from '../../edge/pipeline/types.js';
import type { Rng } from '../kernel/random.js';
import type { Collected } from '../kernel/wire.js';

export interface EncodingShare {
  value: string;
  weight: number;
}

/** Picks one client header list per request: `base` plus the Accept-Encoding drawn by weight. */
export function acceptEncodingPicker(mix: readonly EncodingShare[], base: HeaderList, rng: Rng): () => HeaderList {
  const total = mix.reduce((sum, m) => sum + m.weight, 0);
  const lists = mix.map((m): HeaderList => [...base, ['accept-encoding', m.value]]);
  return () => {
    let left = rng.next() * total;
    for (let i = 0; i < mix.length; i++) {
      left -= mix[i]!.weight;
      if (left < 0) return lists[i]!;
    }
    return lists[lists.length - 1]!;
  };
}

/** The answer's Content-Encoding when the edge sent one the simulator can undo, else undefined. */
export function codingOf(r: EdgeResponse): 'gzip' | 'br' | undefined {
  for (let i = 0; i + 1 < r.headers.length; i += 2) {
    if (r.headers[i] !== 'content-encoding') continue;
    const value = String(r.headers[i + 1]).trim().toLowerCase();
    return value === 'gzip' || value === 'br' ? value : undefined;
  }
  return undefined;
}

/** The first bytes of the identity body, or undefined when the coded bytes do not decode (a truncated body). */
export function identityHead(coding: 'gzip' | 'br', body: Collected): Buffer | undefined {
  try {
    const coded = Buffer.concat(body.chunks);
    return coding === 'gzip' ? gunzipSync(coded) : brotliDecompressSync(coded);
  } catch {
    return undefined;
  }
}
