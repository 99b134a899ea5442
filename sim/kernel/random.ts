/**
 * Seeded randomness for the simulator: xoshiro128** (Blackman & Vigna) seeded through
 * splitmix32, split into independent named streams so adding a draw in one place (say, the
 * network) never shifts what another (the workload, the faults) sees.
 */
import type { Random } from '../../common/ports.js';

/** FNV-1a over the name, mixed with the seed: the stream's identity. */
function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Fold in the high bits of large seeds too.
  h ^= Math.floor(seed / 0x1_0000_0000) >>> 0;
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** One stream of xoshiro128**: uniform floats plus the few distributions the simulator needs. */
export class Rng implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed32: number) {
    const sm = splitmix32(seed32);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** 32 random bits as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Exponentially distributed with the given mean (Poisson inter-arrival times). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The run's seed, from which every named stream is derived on first use. */
export class RandomStreams {
  private readonly streams = new Map<string, Rng>();

  constructor(readonly seed: number) {}

  /** The stream with this name, e.g. `network`, `workload`, `faults`, `node:r1-e1`. */
  stream(name: string): Rng {
    let rng = this.streams.get(name);
    if (rng === undefined) {
      rng = new Rng(streamSeed(this.seed, name));
      this.streams.set(name, rng);
    }
    return rng;
  }
}

/**
 * Zipf(s) over ranks 0..n-1 by inverse CDF on a precomputed table (binary search per draw):
 * rank 0 is the most popular.
 */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 1; k <= n; k++) {
      sum += 1 / Math.pow(k, s);
      this.cdf[k - 1] = sum;
    }
    for (let i = 0; i < n; i++) this.cdf[i] = this.cdf[i]! / sum;
  }

  sample(rng: Rng): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
