/** The peer-hop bench's pure parts: options, blocks, Cache-Status shapes, the figures and summary rows. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blockOrder, blockSizes, buildOrder, checkCacheStatus, formatPeerHopComparison, ownerOf, parseCacheStatus, readPeerHopOptions, summarizeLegs, type PeerHopResult } from '../../../loadtests/bench/peer-hop.js';
import { distribution } from '../../../loadtests/bench/stats.js';
import { peerHopRows, type PeerHopSizeFigures } from '../../../loadtests/bench/summary.js';

const DIRECT = 'e2; hit; ttl=299';
const PEER = 'e2; hit; ttl=299, e1; fwd=uri-miss; fwd-status=200; ttl=299; detail=peer-e2';

test('readPeerHopOptions: defaults, env values, bad values named', () => {
  assert.equal(readPeerHopOptions({}), { requests: 10_000, warmup: 1000, blocks: 20, misses: 10_000 });
  assert.equal(readPeerHopOptions({ BENCH_PEERHOP_REQUESTS: '200', BENCH_PEERHOP_WARMUP: '0', BENCH_PEERHOP_BLOCKS: '4', BENCH_PEERHOP_MISSES: '30' }), { requests: 200, warmup: 0, blocks: 4, misses: 30 });
  assert.throws(() => readPeerHopOptions({ BENCH_PEERHOP_MISSES: '0' }), /BENCH_PEERHOP_MISSES/);
  assert.throws(() => readPeerHopOptions({ BENCH_PEERHOP_REQUESTS: '0' }), /BENCH_PEERHOP_REQUESTS/);
  assert.throws(() => readPeerHopOptions({ BENCH_PEERHOP_WARMUP: '1.5' }), /BENCH_PEERHOP_WARMUP/);
  assert.throws(() => readPeerHopOptions({ BENCH_PEERHOP_REQUESTS: '5', BENCH_PEERHOP_BLOCKS: '10' }), /must not exceed/);
  assert.throws(() => readPeerHopOptions({ BENCH_PEERHOP_MISSES: '5', BENCH_PEERHOP_BLOCKS: '10' }), /BENCH_PEERHOP_MISSES \(5\)/);
});

test('blockSizes: sums to the total, sizes differ by at most one', () => {
  assert.equal(blockSizes(5000, 10), Array.from({ length: 10 }, () => 500));
  assert.equal(blockSizes(7, 3), [3, 2, 2]);
  assert.equal(blockSizes(3, 3), [1, 1, 1]);
  assert.throws(() => blockSizes(10, 0));
});

test('blockOrder: who goes first alternates', () => {
  assert.equal(blockOrder(0), ['direct', 'peer']);
  assert.equal(blockOrder(1), ['peer', 'direct']);
  assert.equal(blockOrder(2), ['direct', 'peer']);
});

test('buildOrder: with two builds each goes first in every other block; one build always alone', () => {
  assert.equal(buildOrder(0, 2), [0, 1]);
  assert.equal(buildOrder(1, 2), [1, 0]);
  assert.equal(buildOrder(2, 2), [0, 1]);
  assert.equal(buildOrder(3, 1), [0]);
  assert.equal(buildOrder(1, 3), [2, 1, 0]);
  assert.throws(() => buildOrder(0, 0), /bad build count/);
});

test('formatPeerHopComparison: both builds per row, this/baseline, and via peer, added and misses per block with their medians', () => {
  const result = (root: string, scale: number, missBlocks: number[][]): PeerHopResult => {
    const size = (id: string, label: string, bodyBytes: number) => ({
      id,
      label,
      path: '/p',
      bodyBytes,
      ...summarizeLegs([[0.1 * scale]], [[0.5 * scale]]),
      originRequests: 0,
      seconds: 1,
    });
    return {
      options: { requests: 1, warmup: 0, blocks: missBlocks.length, misses: missBlocks.flat().length },
      root,
      misses: { count: missBlocks.flat().length, latencyMs: distribution(missBlocks.flat()), blockP50Ms: missBlocks.map((b) => distribution(b).p50), originRequests: missBlocks.flat().length },
      serverCpu: 0,
      harnessCpu: 1,
      sizes: [size('1k', '1 KiB', 1024), size('100k', '100 KiB', 102_400)],
      targets: { addedP50Ms: { target: 1, value: 0.4 * scale, met: true } },
    };
  };
  const text = formatPeerHopComparison(result('/this', 1, [[2], [1], [3]]), result('/base', 2, [[1], [2], [2]]));
  assert.match(text, /this build vs \/base/);
  assert.match(text, /1 KiB peer hop added p50\s+0\.400\s+0\.800\s+0\.50x/);
  assert.match(text, /miss via e1 p50\s+2\.000\s+2\.000\s+1\.00x/);
  assert.match(text, /miss via e1 p50, this\/baseline per block: 2\.00 0\.50 1\.50 \(median 1\.50x\)/);
  assert.match(text, /100 KiB peer hop added p50, this\/baseline per block: 0\.50 \(median 0\.50x\)/);
  assert.match(text, /1 KiB via peer p50, this\/baseline per block: 0\.50 \(median 0\.50x\)/);
});

test('parseCacheStatus: members nearest the origin first, bare and valued params, quoted commas kept', () => {
  const m = parseCacheStatus(PEER);
  assert.equal(m.map((x) => x.cache), ['e2', 'e1']);
  assert.is(m[0]!.params.get('hit'), true);
  assert.is(m[1]!.params.get('fwd'), 'uri-miss');
  assert.is(m[1]!.params.get('detail'), 'peer-e2');
  const q = parseCacheStatus('a; detail="x, y; z", b; hit');
  assert.equal(q.map((x) => x.cache), ['a', 'b']);
  assert.is(q[0]!.params.get('detail'), '"x, y; z"');
  assert.equal(parseCacheStatus(''), []);
});

test('ownerOf: the first member', () => {
  assert.is(ownerOf(PEER), 'e2');
  assert.is(ownerOf('e1; fwd=uri-miss; stored'), 'e1');
  assert.is(ownerOf(undefined), undefined);
});

test('checkCacheStatus: the direct and the peer shapes, and what is wrong otherwise', () => {
  assert.is(checkCacheStatus(DIRECT, 'direct', 'e2', 'e1'), undefined);
  assert.is(checkCacheStatus(PEER, 'peer', 'e2', 'e1'), undefined);
  assert.match(checkCacheStatus(undefined, 'direct', 'e2', 'e1')!, /no Cache-Status/);
  // The peer shape where a direct hit was expected, and the other way round.
  assert.match(checkCacheStatus(PEER, 'direct', 'e2', 'e1')!, /2 members/);
  assert.match(checkCacheStatus(DIRECT, 'peer', 'e2', 'e1')!, /1 members/);
  // e2 missed (stored from the origin) rather than hit.
  assert.match(checkCacheStatus('e2; fwd=uri-miss; stored', 'direct', 'e2', 'e1')!, /not a hit/);
  // e1 answered from a hot copy of its own.
  assert.match(checkCacheStatus('e2; hit, e1; hit', 'peer', 'e2', 'e1')!, /fwd=uri-miss/);
  // e1 went to the origin, not to e2.
  assert.match(checkCacheStatus('e2; hit, e1; fwd=uri-miss; detail=origin', 'peer', 'e2', 'e1')!, /detail/);
  assert.match(checkCacheStatus('e2; hit, e3; fwd=uri-miss; detail=peer-e2', 'peer', 'e2', 'e1')!, /e3/);
});

test('summarizeLegs: overall p50/p99 per leg, peer minus direct, per block', () => {
  const direct = [
    [1, 1, 1, 2],
    [1, 1, 1, 3],
  ];
  const peer = [
    [2, 2, 2, 5],
    [3, 3, 3, 4],
  ];
  const s = summarizeLegs(direct, peer);
  assert.is(s.direct.latencyMs.p50, 1);
  assert.is(s.peer.latencyMs.p50, 3);
  assert.is(s.addedP50Ms, 2);
  assert.is(s.addedP99Ms, 5 - 3);
  assert.equal(s.direct.blockP50Ms, [1, 1]);
  assert.equal(s.blockAddedP50Ms, [1, 2]);
  assert.throws(() => summarizeLegs([[1]], []), /blocks/);
});

const figures = (id: string, label: string, bodyBytes: number, addedP50Ms: number): PeerHopSizeFigures => ({
  id,
  label,
  bodyBytes,
  directP50Ms: 0.1,
  directP99Ms: 0.5,
  peerP50Ms: 0.1 + addedP50Ms,
  peerP99Ms: 1.5,
  addedP50Ms,
});

test('peerHopRows: 1 KiB added p50 judged against 1 ms, legs and 100 KiB as info, skipped with a note', () => {
  const rows = peerHopRows([figures('1k', '1 KiB', 1024, 0.2), figures('100k', '100 KiB', 102_400, 3)]);
  assert.equal(
    rows.map((r) => [r.key, r.verdict]),
    [
      ['peerHop.1k.addedP50Ms', 'met'],
      ['peerHop.1k.directP50Ms', 'info'],
      ['peerHop.1k.directP99Ms', 'info'],
      ['peerHop.1k.peerP50Ms', 'info'],
      ['peerHop.1k.peerP99Ms', 'info'],
      ['peerHop.100k.addedP50Ms', 'info'],
    ],
  );
  assert.is(rows[0]!.metric, 'peer hop p50 added over a direct hit (1 KiB)');
  assert.equal(rows[0]!.target, { op: '<=', value: 1 });
  assert.is(peerHopRows([figures('1k', '1 KiB', 1024, 1.01)])[0]!.verdict, 'MISSED');
  assert.is(peerHopRows([figures('1k', '1 KiB', 1024, 1)])[0]!.verdict, 'met');
  const skipped = peerHopRows(undefined, 'failed: boom');
  assert.is(skipped.length, 1);
  assert.is(skipped[0]!.verdict, 'skipped');
  assert.is(skipped[0]!.note, 'failed: boom');
});

test.run();
