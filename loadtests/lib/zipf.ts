/**
 * A deterministic Zipf sampler: rank r (1-based) of n is drawn with probability proportional to
 * 1 / r^exponent. Draw i of a run is a pure function of (seed, i), not of which VU made it or when,
 * so two runs with the same seed ask for the same keys in the same order, and a script can compute
 * in its init code exactly which draws are first sightings of a key (the best hit ratio possible).
 */

/** lowbias32 (Chris Wellons' hash prospector): a well-mixed 32-bit integer hash. */
export function hash32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) for draw `index` of the stream named by `seed`. */
export function uniformAt(seed: number, index: number): number {
  // Two rounds so that nearby (seed, index) pairs do not give correlated values.
  const h = hash32(hash32(seed ^ 0x9e3779b9) ^ Math.imul(index >>> 0, 0x85ebca6b) ^ Math.floor(index / 4294967296));
  return h / 4294967296;
}

export class ZipfSampler {
  /** cdf[r - 1] = P(rank <= r); the last entry is exactly 1. */
  private readonly cdf: Float64Array;
  readonly n: number;
  readonly exponent: number;

  constructor(n: number, exponent: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`ZipfSampler: n must be a positive integer, got ${n}`);
    if (!Number.isFinite(exponent) || exponent < 0) throw new Error(`ZipfSampler: exponent must be >= 0, got ${exponent}`);
    this.n = n;
    this.exponent = exponent;
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let r = 1; r <= n; r++) total += 1 / Math.pow(r, exponent);
    let running = 0;
    for (let r = 1; r <= n; r++) {
      running += 1 / Math.pow(r, exponent) / total;
      this.cdf[r - 1] = running;
    }
    this.cdf[n - 1] = 1;
  }

  /** The rank (1..n) whose CDF interval holds u in [0, 1): binary search, O(log n). */
  rankFor(u: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cdf[mid] ?? 1) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo + 1;
  }

  /** Rank of draw `index` in the stream named by `seed`. */
  rankAt(seed: number, index: number): number {
    return this.rankFor(uniformAt(seed, index));
  }

  /** Probability of rank r (for documentation and tests). */
  probability(rank: number): number {
    const upper = this.cdf[rank - 1] ?? 0;
    const lower = rank === 1 ? 0 : this.cdf[rank - 2] ?? 0;
    return upper - lower;
  }
}

/**
 * Share of the first `draws` draws that repeat an earlier draw's rank: the hit ratio of a region
 * that starts cold, never evicts and fetches each key from the origin exactly once.
 */
export function idealHitRatio(sampler: ZipfSampler, seed: number, draws: number): number {
  if (draws <= 0) return 0;
  const seen = new Uint8Array(sampler.n + 1);
  let distinct = 0;
  for (let i = 0; i < draws; i++) {
    const rank = sampler.rankAt(seed, i);
    if (seen[rank] === 0) {
      seen[rank] = 1;
      distinct++;
    }
  }
  return 1 - distinct / draws;
}
