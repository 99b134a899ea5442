/** BENCH_PURGE_* options: defaults, overrides, and errors that name the variable. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_PURGE_BENCH_OPTIONS, readPurgeBenchOptions } from '../../../loadtests/bench/purge-propagation.js';
import { readPurgeCompareRounds } from '../../../loadtests/bench/purge-compare.js';

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

test('readPurgeCompareRounds: 4 by default, an integer >= 1 otherwise, a bad value named', () => {
  assert.is(readPurgeCompareRounds({}), 4);
  assert.is(readPurgeCompareRounds({ BENCH_PURGE_COMPARE_ROUNDS: '' }), 4);
  assert.is(readPurgeCompareRounds({ BENCH_PURGE_COMPARE_ROUNDS: '6' }), 6);
  for (const bad of ['0', '-1', '2.5', 'two']) assert.throws(() => readPurgeCompareRounds({ BENCH_PURGE_COMPARE_ROUNDS: bad }), /BENCH_PURGE_COMPARE_ROUNDS: expected an integer >= 1/);
});

test.run();
