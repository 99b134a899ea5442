/** Small statistics for the bench: nearest-rank percentiles and whether a sampled lag grows. Pure. */
import { median } from '../../common/median.js';

/**
 * The nearest-rank percentile of `values` (need not be sorted): the smallest value with at
 * least p% of the values at or below it. p in [0, 100]; NaN for no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile: p must be in [0, 100], got ${p}`);
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileOfSorted(sorted, p);
}

/** As percentile(), for values already sorted ascending (no copy). */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    count: n,
    min: n === 0 ? NaN : sorted[0]!,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    max: n === 0 ? NaN : sorted[n - 1]!,
    mean: n === 0 ? NaN : sorted.reduce((a, b) => a + b, 0) / n,
  };
}

export interface LagSample {
  /** Since the start of the measured window. */
  atMs: number;
  /** Purges accepted (202) that not every edge has applied yet. */
  lag: number;
}

export interface LagTrend {
  samples: number;
  first: number;
  last: number;
  max: number;
  /** Mean lag over the first and the last third of the samples. */
  meanFirstThird: number;
  meanLastThird: number;
  /** Least-squares slope of lag against time, in purges per second. */
  slopePerSecond: number;
  /**
   * True when the lag rose by more than `slack` over the window both ways of looking at it: the
   * fitted line climbs more than `slack` from start to end, and the last third's mean exceeds the
   * first third's by more than `slack`. A lag that jumps around a level (one fsync group, a burst
   * of acks) is bounded; one that keeps climbing is a backlog.
   */
  growing: boolean;
}

/** `slack`: the rise (in purges) still counted as noise, e.g. a few groups of in-flight POSTs. */
export function lagTrend(samples: readonly LagSample[], slack: number): LagTrend {
  const n = samples.length;
  if (n === 0) return { samples: 0, first: NaN, last: NaN, max: NaN, meanFirstThird: NaN, meanLastThird: NaN, slopePerSecond: NaN, growing: false };
  const lags = samples.map((s) => s.lag);
  const third = Math.max(1, Math.floor(n / 3));
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanFirstThird = mean(lags.slice(0, third));
  const meanLastThird = mean(lags.slice(n - third));
  let slopePerSecond = 0;
  if (n >= 2) {
    const xs = samples.map((s) => s.atMs / 1000);
    const mx = mean(xs);
    const my = mean(lags);
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (xs[i]! - mx) * (lags[i]! - my);
      sxx += (xs[i]! - mx) ** 2;
    }
    slopePerSecond = sxx > 0 ? sxy / sxx : 0;
  }
  const spanSeconds = (samples[n - 1]!.atMs - samples[0]!.atMs) / 1000;
  const growing = n >= 3 && slopePerSecond * spanSeconds > slack && meanLastThird - meanFirstThird > slack;
  return { samples: n, first: lags[0]!, last: lags[n - 1]!, max: Math.max(...lags), meanFirstThird, meanLastThird, slopePerSecond, growing };
}

/**
 * How far apart repeated measurements of one number are: ±(max − min) / (max + min), i.e. the
 * half-range relative to the midpoint (0.1 = every run within ±10% of the middle). NaN when
 * there is nothing to compare or the midpoint is 0.
 */
export function halfRangeSpread(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return NaN;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return lo + hi === 0 ? NaN : (hi - lo) / Math.abs(hi + lo);
}

/**
 * `a[i] / b[i]` for measurements taken side by side (block or window i of two builds, back to back),
 * as printed by the comparisons: each to two decimals, then their median, e.g. "0.98 1.05 (median 1.02x)".
 */
export function pairedRatiosText(a: readonly number[], b: readonly number[]): string {
  if (a.length !== b.length) throw new Error(`pairedRatiosText: ${a.length} values against ${b.length}`);
  const ratios = a.map((x, i) => x / b[i]!);
  return `${ratios.map((x) => x.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)}x)`;
}
