/** Percentiles, distributions, the lag trend and the run-to-run spread. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { distribution, halfRangeSpread, lagTrend, pairedRatiosText, percentile, percentileOfSorted, type LagSample } from '../../../loadtests/bench/stats.js';

test('percentile: nearest rank, input order does not matter', () => {
  const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.is(percentile(xs, 50), 5);
  assert.is(percentile(xs, 90), 9);
  assert.is(percentile(xs, 99), 10);
  assert.is(percentile(xs, 100), 10);
  assert.is(percentile(xs, 0), 1);
  assert.is(percentile(xs, 10), 1);
  assert.is(percentile(xs, 11), 2);
  assert.equal(xs, [5, 1, 4, 2, 3, 10, 9, 8, 7, 6], 'input left alone');
});

test('percentile: p99 of 1,000 values is the 990th smallest', () => {
  const xs = Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1000..1
  assert.is(percentile(xs, 99), 990);
  assert.is(percentile(xs, 50), 500);
});

test('percentile: empty is NaN, one value is itself, negatives sort below zero', () => {
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.is(percentile([7], 99), 7);
  assert.is(percentile([0.5, -0.25, 0.1], 0), -0.25);
  assert.is(percentileOfSorted([-1, 0, 1], 50), 0);
});

test('percentile: p outside [0, 100] is a programmer error', () => {
  assert.throws(() => percentile([1], 101), /p must be in \[0, 100\]/);
  assert.throws(() => percentile([1], -1), /p must be in/);
  assert.throws(() => percentile([1], NaN), /p must be in/);
});

test('distribution: count, min, p50, p90, p99, max, mean', () => {
  const d = distribution([4, 1, 3, 2]);
  assert.equal(d, { count: 4, min: 1, p50: 2, p90: 4, p99: 4, max: 4, mean: 2.5 });
  const empty = distribution([]);
  assert.is(empty.count, 0);
  assert.ok(Number.isNaN(empty.p99) && Number.isNaN(empty.min) && Number.isNaN(empty.mean));
});

const series = (lags: readonly number[], everyMs = 100): LagSample[] => lags.map((lag, i) => ({ atMs: (i + 1) * everyMs, lag }));

test('lagTrend: a lag that jumps around a level is bounded', () => {
  const t = lagTrend(series([0, 60, 12, 63, 5, 40, 0, 64, 30, 10, 63, 2]), 256);
  assert.is(t.samples, 12);
  assert.is(t.first, 0);
  assert.is(t.last, 2);
  assert.is(t.max, 64);
  assert.not.ok(t.growing);
});

test('lagTrend: a lag climbing steadily past the slack is growing', () => {
  const t = lagTrend(series(Array.from({ length: 100 }, (_, i) => i * 50)), 256); // 500 purges/s for 10 s
  assert.ok(t.growing);
  assert.ok(Math.abs(t.slopePerSecond - 500) < 1e-6, `slope ${t.slopePerSecond}`);
  assert.is(t.meanFirstThird, (33 * 32 * 50) / 2 / 33);
  assert.is(t.max, 99 * 50);
});

test('lagTrend: a climb smaller than the slack is noise', () => {
  const t = lagTrend(series(Array.from({ length: 100 }, (_, i) => i)), 256); // rises by 99 overall
  assert.ok(t.slopePerSecond > 0);
  assert.not.ok(t.growing);
});

test('lagTrend: one spike at the end does not make a trend on its own', () => {
  const lags = Array.from({ length: 99 }, () => 10);
  const t = lagTrend(series([...lags, 5000]), 256);
  assert.is(t.max, 5000);
  assert.is(t.last, 5000);
  // The line rises (the spike pulls it) but the last third's mean stays within the slack.
  assert.not.ok(t.growing);
});

test('lagTrend: a backlog that builds and drains within the window is not growing', () => {
  const up = Array.from({ length: 50 }, (_, i) => i * 40);
  const t = lagTrend(series([...up, ...up.slice().reverse()]), 256);
  assert.not.ok(t.growing);
});

test('lagTrend: no samples, or too few to call', () => {
  const none = lagTrend([], 10);
  assert.is(none.samples, 0);
  assert.not.ok(none.growing);
  assert.not.ok(lagTrend(series([0, 10_000]), 10).growing);
});

test('halfRangeSpread: ±(max - min) / (max + min)', () => {
  assert.ok(Math.abs(halfRangeSpread([0.9, 1.1, 1.0]) - 0.1) < 1e-12);
  assert.is(halfRangeSpread([2, 2, 2]), 0);
  assert.ok(Math.abs(halfRangeSpread([95, 105]) - 0.05) < 1e-12);
  assert.ok(Number.isNaN(halfRangeSpread([1])), 'one run: nothing to compare');
  assert.ok(Number.isNaN(halfRangeSpread([0, 0])), 'zero midpoint');
  assert.is(halfRangeSpread([1, NaN, 3]), 0.5, 'non-finite values ignored');
});

test('pairedRatiosText: a[i]/b[i] to two decimals and their median; lists of different lengths refused', () => {
  assert.is(pairedRatiosText([2, 1, 3], [1, 2, 2]), '2.00 0.50 1.50 (median 1.50x)');
  assert.is(pairedRatiosText([1, 3], [1, 2]), '1.00 1.50 (median 1.25x)');
  assert.throws(() => pairedRatiosText([1], [1, 2]), /1 values against 2/);
});

test.run();
