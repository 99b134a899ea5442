/** Ratios, number formats, the hit-path table and the memory line. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cacheStatusIsHit, sample } from '../../../loadtests/bench/hit-path.js';
import {
  foreignCorePercent,
  formatCount,
  formatHitTable,
  formatMemoryLine,
  formatMs,
  formatRatio,
  formatTable,
  generatorLimited,
  hitTableRows,
  parseCpuModel,
  ratio,
  formatRoundLine,
  type HitTableLine,
} from '../../../loadtests/bench/report.js';

test('ratio: edge over baseline; a zero or missing baseline is NaN', () => {
  assert.is(ratio(50, 100), 0.5);
  assert.is(ratio(300, 200), 1.5);
  assert.ok(Number.isNaN(ratio(1, 0)));
  assert.ok(Number.isNaN(ratio(1, NaN)));
  assert.ok(Number.isNaN(ratio(NaN, 1)));
});

test('formatRatio, formatCount, formatMs', () => {
  assert.is(formatRatio(0.6234), '0.62x');
  assert.is(formatRatio(2), '2.00x');
  assert.is(formatRatio(NaN), 'n/a');
  assert.is(formatCount(74100.66), '74,101');
  assert.is(formatCount(999), '999');
  assert.is(formatCount(NaN), 'n/a');
  assert.is(formatMs(2484), '2.48');
  assert.is(formatMs(12_345), '12.3');
  assert.is(formatMs(250_000), '250');
  assert.is(formatMs(NaN), 'n/a');
});

test('formatTable: columns padded to the widest cell, aligned as asked', () => {
  const text = formatTable(['name', 'n'], [['a', '1'], ['long name', '12345']], ['left', 'right']);
  assert.is(text, ['name           n', '---------  -----', 'a              1', 'long name  12345'].join('\n'));
});

const NGINX: HitTableLine = {
  label: '1 KiB, 1 URL',
  target: 'nginx',
  summary: { requestsPerSec: 80_000, latencyUsP99: 2_000, serverCpuPercent: 99.4, generatorCpuPercent: 70.2, coreBusyPercent: 100, coreSoftirqPercent: 0.4 },
  medianRatio: NaN,
};
const EDGE: HitTableLine = {
  label: '1 KiB, 1 URL',
  target: 'edge',
  summary: { requestsPerSec: 40_000, latencyUsP99: 5_000, serverCpuPercent: 80, generatorCpuPercent: 45, coreBusyPercent: 99.8, coreSoftirqPercent: 4 },
  medianRatio: 0.52,
};

test('hitTableRows: one line per server; the reference has no ratio, the others their median', () => {
  assert.equal(hitTableRows([EDGE, NGINX]), [
    ['1 KiB, 1 URL', 'edge', '40,000', '5.00', '0.52x', '80', '45', '100'],
    ['1 KiB, 1 URL', 'nginx', '80,000', '2.00', '', '99', '70', '100'],
  ]);
});

test('formatHitTable: header, rule and one line per server and case', () => {
  const lines = formatHitTable([EDGE, NGINX, { ...EDGE, label: '100 KiB, 1 URL' }]).split('\n');
  assert.is(lines.length, 5);
  assert.match(lines[0]!, /^case\s+server\s+req\/s\s+p99 ms\s+req\/s ratio \(median of rounds\)\s+server CPU %\s+generator CPU %\s+server core busy %$/);
  assert.match(lines[1]!, /^-+( +-+)+$/);
  assert.match(lines[4]!, /^100 KiB, 1 URL\s+edge\s+40,000\s+5\.00\s+0\.52x/);
});

test('formatRoundLine: every server of the round and the ratio', () => {
  assert.is(formatRoundLine(3, [['edge', 41_000], ['nginx', 50_000]], 'edge/nginx', 0.82), 'round 3: edge 41,000, nginx 50,000; edge/nginx 0.82x');
});

test('generatorLimited: only when the generator is saturated and the server is not', () => {
  assert.ok(generatorLimited(97, 60));
  assert.not.ok(generatorLimited(97, 99));
  assert.not.ok(generatorLimited(50, 60));
  assert.not.ok(generatorLimited(NaN, 60));
});

test('foreignCorePercent: a lower bound on core busy beyond the server and softirq', () => {
  assert.ok(Math.abs(foreignCorePercent(EDGE.summary) - 15.8) < 1e-9);
  assert.ok(Math.abs(foreignCorePercent(NGINX.summary) - 0.2) < 1e-9);
  // softirq also charged to the server's stime: the bound goes negative and is clamped.
  assert.is(foreignCorePercent({ ...EDGE.summary, serverCpuPercent: 99, coreBusyPercent: 99.3, coreSoftirqPercent: 21 }), 0);
  assert.ok(Number.isNaN(foreignCorePercent({ ...EDGE.summary, coreBusyPercent: NaN })));
});

test('formatMemoryLine: KiB per object, overhead over the body, the points', () => {
  const line = formatMemoryLine({ server: 'edge', points: [{ objects: 0, rssKiB: 102_400 }, { objects: 25_000, rssKiB: 177_400 }], kibPerObject: 3, r2: 0.9991 }, 1024);
  assert.is(line, 'memory edge: 3.00 KiB per 1024-byte object (+2.00 KiB over the body; least-squares over RSS MiB at 0: 100.0, 25,000: 173.2; r2=0.999)');
});

test('parseCpuModel: x86 model name, ARM fallbacks, unknown', () => {
  assert.is(parseCpuModel('processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n'), 'AMD EPYC 7B13');
  assert.is(parseCpuModel('processor\t: 0\nHardware\t: BCM2835\n'), 'BCM2835');
  assert.is(parseCpuModel(''), 'unknown');
});

test('cacheStatusIsHit: our member is the last one and must carry hit', () => {
  assert.ok(cacheStatusIsHit('edgeworks; hit; ttl=299'));
  assert.ok(cacheStatusIsHit('upstream; fwd=uri-miss, edgeworks; hit'));
  assert.not.ok(cacheStatusIsHit('edgeworks; hit, downstream; fwd=uri-miss'));
  assert.not.ok(cacheStatusIsHit('edgeworks; fwd=uri-miss; fwd-status=200; ttl=299; stored'));
  assert.not.ok(cacheStatusIsHit('edgeworks; fwd=stale; detail=hit'));
  assert.not.ok(cacheStatusIsHit(undefined));
});

test('sample: evenly spread, first and last included, small lists whole', () => {
  assert.equal(sample([1, 2, 3], 5), [1, 2, 3]);
  assert.equal(sample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3), [0, 5, 10]);
});

test.run();
