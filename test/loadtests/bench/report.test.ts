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
  type CaseSummary,
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

const CASE: CaseSummary = {
  label: '1 KiB, 1 URL',
  baseline: { requestsPerSec: 80_000, latencyUsP99: 2_000, serverCpuPercent: 99.4, generatorCpuPercent: 70.2, coreBusyPercent: 100, coreSoftirqPercent: 0.4 },
  edge: { requestsPerSec: 40_000, latencyUsP99: 5_000, serverCpuPercent: 80, generatorCpuPercent: 45, coreBusyPercent: 99.8, coreSoftirqPercent: 4 },
};

test('hitTableRows: req/s, ratio, p99 in ms, p99 ratio, CPU baseline / edge', () => {
  assert.equal(hitTableRows([CASE]), [['1 KiB, 1 URL', '80,000', '40,000', '0.50x', '2.00', '5.00', '2.50x', '99 / 80', '70 / 45', '100 / 100']]);
});

test('formatHitTable: header, rule and one line per case', () => {
  const lines = formatHitTable([CASE, { ...CASE, label: '100 KiB, 1 URL' }]).split('\n');
  assert.is(lines.length, 4);
  assert.match(lines[0]!, /^case\s+baseline req\/s\s+edge req\/s\s+ratio\s+baseline p99 ms\s+edge p99 ms\s+p99 ratio\s+server CPU % \(b\/e\)\s+generator CPU % \(b\/e\)\s+server core busy % \(b\/e\)$/);
  assert.match(lines[1]!, /^-+( +-+)+$/);
  assert.match(lines[3]!, /^100 KiB, 1 URL\s+80,000\s+40,000\s+0\.50x/);
});

test('generatorLimited: only when the generator is saturated and the server is not', () => {
  assert.ok(generatorLimited(97, 60));
  assert.not.ok(generatorLimited(97, 99));
  assert.not.ok(generatorLimited(50, 60));
  assert.not.ok(generatorLimited(NaN, 60));
});

test('foreignCorePercent: a lower bound on core busy beyond the server and softirq', () => {
  assert.ok(Math.abs(foreignCorePercent(CASE.edge) - 15.8) < 1e-9);
  assert.ok(Math.abs(foreignCorePercent(CASE.baseline) - 0.2) < 1e-9);
  // softirq also charged to the server's stime: the bound goes negative and is clamped.
  assert.is(foreignCorePercent({ ...CASE.edge, serverCpuPercent: 99, coreBusyPercent: 99.3, coreSoftirqPercent: 21 }), 0);
  assert.ok(Number.isNaN(foreignCorePercent({ ...CASE.edge, coreBusyPercent: NaN })));
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
