/**
 * The cluster bench model, on a small configuration (20k keys, 100k requests, < 1 s): its
 * accounting, the invariants any correct run must show, and determinism.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatClusterReport,
  objectBytes,
  readClusterBenchOptions,
  runClusterHitRatioBench,
  type ClusterBenchOptions,
  type SchemeResult,
} from '../../../loadtests/bench/cluster-hit-ratio.js';

const SMALL: Partial<ClusterBenchOptions> = {
  seed: 7,
  keys: 20_000,
  capacityBytesPerEdge: 64 * 1024 * 1024,
  warmupRequests: 30_000,
  requests: 70_000,
};

const small = runClusterHitRatioBench(SMALL);

function assertAccounting(name: string, s: SchemeResult, requests: number): void {
  assert.is(s.requests, requests, `${name} requests`);
  assert.is(s.hits + s.originRequests, s.requests, `${name}: every request is a hit or goes to the origin`);
  assert.ok(s.originBytes <= s.requestedBytes, `${name} bytes`);
  assert.ok(Math.abs(s.hitRatio - s.hits / s.requests) < 1e-12);
}

test('accounting: every counted request is a hit or an origin request, in every scheme', () => {
  assertAccounting('ideal', small.ideal, 70_000);
  assertAccounting('independent', small.independent, 70_000);
  assertAccounting('cluster', small.cluster, 70_000);
  // The three schemes see the same requests.
  assert.is(small.ideal.requestedBytes, small.independent.requestedBytes);
  assert.is(small.ideal.requestedBytes, small.cluster.requestedBytes);
  assert.is(small.cluster.ownedRequestsPerEdge.reduce((a, b) => a + b, 0), 70_000);
  assert.ok(small.cluster.ownerHits <= small.cluster.hits);
});

test('a front edge forwards about (N-1)/N of requests to the owner', () => {
  // Fronts are uniform and independent of the owner: 2/3 forwarded, binomial σ over 70k ≈ 0.002.
  const forwarded = small.cluster.peerRequests / small.cluster.requests;
  assert.ok(Math.abs(forwarded - 2 / 3) < 0.01, `forwarded ${forwarded}`);
});

test('invariants: cluster hit ratio <= ideal + epsilon; cluster origin requests < independent', () => {
  // The cluster is the ideal cache partitioned by owner; partitioned LRUs can beat one LRU of the
  // same total size only by LRU noise (measured: 0.9999–1.0000 of the ideal at full size, 0.9987
  // at this size), so 0.01 is ample and still catches a model that double-counts hits.
  assert.ok(small.cluster.hitRatio <= small.ideal.hitRatio + 0.01, `cluster ${small.cluster.hitRatio} ideal ${small.ideal.hitRatio}`);
  assert.ok(small.cluster.originRequests < small.independent.originRequests);
  assert.ok(small.independent.hitRatio < small.ideal.hitRatio);
  assert.ok(small.clusterOverIdealHitRatio >= 0.97, `cluster/ideal ${small.clusterOverIdealHitRatio}`);
  assert.ok(small.clusterOverIndependentOrigin < 1);
});

test('one edge: ideal, independent and cluster are the same cache and count the same', () => {
  const one = runClusterHitRatioBench({ ...SMALL, edges: 1 });
  assert.equal(one.independent, one.ideal);
  const { peerRequests, ownerHits, ownedRequestsPerEdge, ...cluster } = one.cluster;
  assert.equal(cluster, one.ideal);
  assert.is(peerRequests, 0);
  assert.is(ownerHits, 0);
  assert.equal(ownedRequestsPerEdge, [70_000]);
});

test('determinism: the same options give the same numbers and trace hash; another seed does not', () => {
  const again = runClusterHitRatioBench(SMALL);
  assert.equal(again, small);
  const other = runClusterHitRatioBench({ ...SMALL, seed: 8 });
  assert.is.not(other.traceHash, small.traceHash);
});

test('object sizes: 70% 1–10 KiB, 25% 10–100 KiB, 5% 100 KiB–1 MiB, fixed per key', () => {
  const n = 100_000;
  let small1 = 0;
  let medium = 0;
  let large = 0;
  for (let id = 0; id < n; id++) {
    const size = objectBytes(1, id);
    assert.ok(size >= 1024 && size < 1024 * 1024, `size ${size}`);
    if (size < 10 * 1024) small1++;
    else if (size < 100 * 1024) medium++;
    else large++;
    if (id < 100) assert.is(objectBytes(1, id), size);
  }
  // Binomial σ over 100k draws is at most 0.0015; 0.01 is over 6σ.
  assert.ok(Math.abs(small1 / n - 0.7) < 0.01, `small ${small1 / n}`);
  assert.ok(Math.abs(medium / n - 0.25) < 0.01, `medium ${medium / n}`);
  assert.ok(Math.abs(large / n - 0.05) < 0.01, `large ${large / n}`);
});

test('report: options, the three schemes, both ratios and the reproduce command', () => {
  const text = formatClusterReport(small);
  for (const part of ['seed 7', '(a) ideal', '(b) independent', '(c) cluster', 'cluster / ideal hit ratio', 'cluster / independent origin requests', small.traceHash, '--capacity-bytes 67108864']) {
    assert.ok(text.includes(part), `missing ${part}`);
  }
});

test('options: flags win over BENCH_CLUSTER_* env, defaults otherwise; bad values throw', () => {
  const o = readClusterBenchOptions(['--requests', '10', '--zipf-s', '1.1'], { BENCH_CLUSTER_REQUESTS: '99', BENCH_CLUSTER_SEED: '5' });
  assert.is(o.requests, 10);
  assert.is(o.zipfS, 1.1);
  assert.is(o.seed, 5);
  assert.is(o.edges, 3);
  assert.throws(() => readClusterBenchOptions(['--edges', '2.5'], {}), /edges/);
  assert.throws(() => readClusterBenchOptions([], { BENCH_CLUSTER_KEYS: 'many' }), /BENCH_CLUSTER_KEYS/);
  assert.throws(() => runClusterHitRatioBench({ edges: 0 }), /edges/);
});

test.run();
