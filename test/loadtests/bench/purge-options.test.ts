/** BENCH_PURGE_* options: defaults, overrides, and errors that name the variable. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_PURGE_BENCH_OPTIONS, readPurgeBenchOptions } from '../../../loadtests/bench/purge-propagation.js';
import { DEFAULT_PURGE_COMPARE_OPTIONS, formatPurgeComparison, readPurgeCompareOptions } from '../../../loadtests/bench/purge-compare.js';

test('readPurgeBenchOptions: defaults are 10 edges, 1,000 purges, 10 s at 64 in flight', () => {
  assert.equal(readPurgeBenchOptions({}), { ...DEFAULT_PURGE_BENCH_OPTIONS });
  assert.equal(DEFAULT_PURGE_BENCH_OPTIONS, { edges: 10, count: 1000, warmup: 100, sustainedSeconds: 10, concurrency: 64, lagSampleMs: 100, lagSlack: 256, pacedRate: 100, pacedSeconds: 5, store: 'file', postTo: 'all' });
});

test('readPurgeBenchOptions: each BENCH_PURGE_* variable overrides its option; empty means default', () => {
  const o = readPurgeBenchOptions({ BENCH_PURGE_COUNT: '200', BENCH_PURGE_SECONDS: '0', BENCH_PURGE_EDGES: '3', BENCH_PURGE_CONCURRENCY: '', BENCH_PURGE_LAG_SLACK: '0' });
  assert.is(o.count, 200);
  assert.is(o.sustainedSeconds, 0);
  assert.is(o.edges, 3);
  assert.is(o.concurrency, 64);
  assert.is(o.lagSlack, 0);
});

test('readPurgeBenchOptions: a bad value names the variable and what it expected', () => {
  assert.throws(() => readPurgeBenchOptions({ BENCH_PURGE_COUNT: '0' }), /BENCH_PURGE_COUNT: expected an integer >= 1, got "0"/);
  assert.throws(() => readPurgeBenchOptions({ BENCH_PURGE_SECONDS: '2.5' }), /BENCH_PURGE_SECONDS: expected an integer >= 0/);
  assert.throws(() => readPurgeBenchOptions({ BENCH_PURGE_EDGES: 'ten' }), /BENCH_PURGE_EDGES/);
  assert.throws(() => readPurgeBenchOptions({ BENCH_PURGE_STORE: 'redis' }), /BENCH_PURGE_STORE: expected file or etcd, got "redis"/);
  assert.is(readPurgeBenchOptions({ BENCH_PURGE_STORE: 'etcd' }).store, 'etcd');
  assert.throws(() => readPurgeBenchOptions({ BENCH_PURGE_POST_TO: 'leader' }), /BENCH_PURGE_POST_TO: expected all or first, got "leader"/);
  assert.is(readPurgeBenchOptions({ BENCH_PURGE_POST_TO: 'first' }).postTo, 'first');
});

test('readPurgeCompareOptions: 8,000 purges in 20 blocks and 8 windows of 4 s by default; each variable overrides; bad values named', () => {
  assert.equal(readPurgeCompareOptions({}), { purges: 8000, blocks: 20, windows: 8, windowSeconds: 4 });
  assert.equal(readPurgeCompareOptions({ BENCH_PURGE_COMPARE_PURGES: '300', BENCH_PURGE_COMPARE_BLOCKS: '3', BENCH_PURGE_COMPARE_WINDOWS: '', BENCH_PURGE_COMPARE_WINDOW_SECONDS: '1' }), { purges: 300, blocks: 3, windows: 8, windowSeconds: 1 });
  for (const bad of ['0', '-1', '2.5', 'two']) assert.throws(() => readPurgeCompareOptions({ BENCH_PURGE_COMPARE_WINDOWS: bad }), /BENCH_PURGE_COMPARE_WINDOWS: expected an integer >= 1/);
  assert.throws(() => readPurgeCompareOptions({ BENCH_PURGE_COMPARE_PURGES: '10', BENCH_PURGE_COMPARE_BLOCKS: '11' }), /BENCH_PURGE_COMPARE_BLOCKS \(11\) must not exceed BENCH_PURGE_COMPARE_PURGES \(10\)/);
  // The old knob is refused rather than ignored, so an old command line does not measure something else unseen.
  assert.throws(() => readPurgeCompareOptions({ BENCH_PURGE_COMPARE_ROUNDS: '6' }), /BENCH_PURGE_COMPARE_ROUNDS is gone/);
  assert.equal(readPurgeCompareOptions({ BENCH_PURGE_COMPARE_ROUNDS: '' }), { ...DEFAULT_PURGE_COMPARE_OPTIONS });
});

test('formatPurgeComparison: purges/s and p99 as the ratios of the medians of windows and of blocks, per block and window ratios printed', () => {
  const ramp = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i * 0.01);
  const samples = {
    // 100 samples a block; block p99s 1.98, 2.98, 9.98 (median 2.98, mean 4.98) against 1.48, 1.58, 1.68 (median 1.58).
    'this build': { fromAcceptedMsByBlock: [ramp(1, 100), ramp(2, 100), ramp(9, 100)], purgesPerSecondByWindow: [5000, 6000, 4000] },
    baseline: { fromAcceptedMsByBlock: [ramp(0.5, 100), ramp(0.6, 100), ramp(0.7, 100)], purgesPerSecondByWindow: [4000, 5000, 3000] },
  };
  const o = { purges: 300, blocks: 3, windows: 3, windowSeconds: 4 };
  const r = formatPurgeComparison(samples, o);
  assert.ok(Math.abs(r.rateRatio - 5000 / 4000) < 1e-9, `rate ratio ${r.rateRatio}`);
  // The median block, not the mean (4.98 / 1.58) and not the pooled p99 (ramp(9)'s 9.x / 1.6x).
  assert.ok(Math.abs(r.p99Ratio - 2.98 / 1.58) < 1e-9, `p99 ratio ${r.p99Ratio}`);
  assert.match(r.text, /per block p99, this\/baseline: 1\.34 1\.89 5\.94 \(median 1\.89x\)/);
  assert.match(r.text, /per block p50, this\/baseline: /);
  assert.match(r.text, /median 5000 \/ 4000, ratio 1\.25 within 10% or better/);
  assert.match(r.text, /windows: 5000, 6000, 4000 \/ 4000, 5000, 3000/);
  assert.match(r.text, /per window, this\/baseline: 1\.25 1\.20 1\.33 \(median 1\.25x\)/);
  assert.match(r.text, /300 \/ 300 purges in 3 blocks/);
  assert.match(r.text, /MORE THAN 10% HIGHER/);
  // And the other way round: lower throughput is called out, a lower p99 is not.
  const swapped = formatPurgeComparison({ 'this build': samples.baseline, baseline: samples['this build'] }, o);
  assert.match(swapped.text, /ratio 0\.80 MORE THAN 10% LOWER/);
  assert.not.match(swapped.text, /HIGHER/);
});

test.run();
