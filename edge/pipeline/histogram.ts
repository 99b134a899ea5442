/**
 * A fixed-bucket histogram kept as plain numbers, like the edge's counters: observing costs a
 * short scan and two additions, with no labels to hash and no library on the request's path.
 * The admin adapter renders it as a Prometheus histogram (cumulative `le` buckets, `_sum`,
 * `_count`) when scraped.
 */
export class Histogram {
  /** Per-bucket counts, not cumulative; the last slot is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  /** `bounds`: ascending upper bounds, in the metric's base unit (seconds, bytes). */
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** `[le, cumulative count]` pairs, ending with `+Inf`. */
  cumulative(): Array<[string, number]> {
    let running = 0;
    const out: Array<[string, number]> = [];
    for (let i = 0; i < this.counts.length; i++) {
      running += this.counts[i]!;
      out.push([i < this.bounds.length ? String(this.bounds[i]) : '+Inf', running]);
    }
    return out;
  }
}

/** Request and fetch durations, seconds: 0.5 ms (a hit) to 30 s (a slow origin body). */
export const DURATION_BOUNDS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/** Response body sizes, bytes: 1 KiB to 64 MiB in factors of four. */
export const SIZE_BOUNDS_BYTES = [1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864] as const;

/** Histograms by a label value, created on first use; the caller bounds how many values exist. */
export class HistogramFamily {
  readonly byLabel = new Map<string, Histogram>();

  constructor(readonly bounds: readonly number[]) {}

  observe(label: string, value: number): void {
    let h = this.byLabel.get(label);
    if (h === undefined) {
      h = new Histogram(this.bounds);
      this.byLabel.set(label, h);
    }
    h.observe(value);
  }
}
