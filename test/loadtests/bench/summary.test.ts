/** The final summary table: verdicts against targets, value formats, rows per bench, spread over runs. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  accessLogRows,
  clusterRows,
  formatSpreadTable,
  formatSummaryTable,
  formatTarget,
  formatValue,
  hitPathRows,
  judge,
  memoryRows,
  purgeRows,
  row,
  simRows,
  skipped,
  spreadRows,
  type PurgeFigures,
  type SummaryRow,
} from '../../../loadtests/bench/summary.js';

test('judge: >= and <= inclusive; missing value misses; no target is info', () => {
  assert.is(judge(0.95, { op: '>=', value: 0.95 }), 'met');
  assert.is(judge(0.9499, { op: '>=', value: 0.95 }), 'MISSED');
  assert.is(judge(10, { op: '<=', value: 10 }), 'met');
  assert.is(judge(10.01, { op: '<=', value: 10 }), 'MISSED');
  assert.is(judge(null, { op: '<=', value: 10 }), 'MISSED');
  assert.is(judge(NaN, { op: '>=', value: 1 }), 'MISSED');
  assert.is(judge(3, null), 'info');
  assert.is(judge(null, { op: 'holds', text: 'not growing', ok: true }), 'met');
  assert.is(judge(5, { op: 'holds', text: 'not growing', ok: false }), 'MISSED');
});

test('row: a non-finite value is stored as null (JSON has no NaN)', () => {
  const r = row('k', 'b', 'm', NaN, 'ms', { op: '<=', value: 1 });
  assert.is(r.value, null);
  assert.is(r.verdict, 'MISSED');
});

test('formatValue and formatTarget: ratios, ms, counts, units', () => {
  assert.is(formatValue(0.96123, 'x'), '0.961x');
  assert.is(formatValue(1.234, 'x'), '1.23x');
  assert.is(formatValue(0.99987, 'ratio'), '1.000');
  assert.is(formatValue(0.5934, 'ratio'), '0.593');
  assert.is(formatValue(2.484, 'ms'), '2.48 ms');
  assert.is(formatValue(12.34, 'ms'), '12.3 ms');
  assert.is(formatValue(6182.4, '/s'), '6,182 /s');
  assert.is(formatValue(1.31, 'KiB'), '1.31 KiB');
  assert.is(formatValue(0, ''), '0.00');
  assert.is(formatValue(63, ''), '63.0');
  assert.is(formatValue(12345.4, 'count'), '12,345');
  assert.is(formatValue(0, 'count'), '0');
  assert.is(formatValue(1, 'bool'), 'yes');
  assert.is(formatValue(0, 'bool'), 'no');
  assert.is(formatTarget({ op: '<=', value: 0 }, 'count'), '<= 0');
  assert.is(formatValue(null, 'ms'), 'n/a');
  assert.is(formatTarget({ op: '<=', value: 10 }, 'ms'), '<= 10.0 ms');
  assert.is(formatTarget({ op: '>=', value: 0.95 }, 'x'), '>= 0.950x');
  assert.is(formatTarget({ op: 'holds', text: 'not growing', ok: true }, ''), 'not growing');
  assert.is(formatTarget(null, 'x'), '');
});

test('hitPathRows: edge/nginx >= 1.0 for 1 KiB and >= 0.9 for 100 KiB, p99 <= 1.5x nginx; varnish and baseline are info', () => {
  const rows = hitPathRows(
    [
      { id: 'one-1k', label: '1 KiB, 1 URL', bodyBytes: 1024, edgeOverNginx: 0.97, edgeOverVarnish: 1.3, edgeOverBaseline: 1.1, edgeP99Ms: 3, p99OverNginx: 1.5 },
      { id: 'one-100k', label: '100 KiB, 1 URL', bodyBytes: 102_400, edgeOverNginx: 0.95, edgeOverVarnish: null, edgeOverBaseline: null, edgeP99Ms: 9, p99OverNginx: null },
    ],
    'unused',
  );
  assert.equal(
    rows.map((r) => [r.key, r.verdict, r.value]),
    [
      ['hit.one-1k.nginxRatio', 'MISSED', 0.97],
      ['hit.one-1k.p99OverNginx', 'met', 1.5],
      ['hit.one-1k.varnishRatio', 'info', 1.3],
      ['hit.one-1k.baselineRatio', 'info', 1.1],
      ['hit.one-1k.edgeP99Ms', 'info', 3],
      ['hit.one-100k.nginxRatio', 'met', 0.95],
      ['hit.one-100k.p99OverNginx', 'MISSED', null],
      ['hit.one-100k.edgeP99Ms', 'info', 9],
    ],
  );
});

test('hitPathRows: without nginx the target row is skipped and says why', () => {
  const rows = hitPathRows([{ id: 'one-1k', label: '1 KiB, 1 URL', bodyBytes: 1024, edgeOverNginx: null, edgeOverVarnish: null, edgeOverBaseline: 0.8, edgeP99Ms: 3, p99OverNginx: null }], 'nginx not installed');
  assert.is(rows[0]!.verdict, 'skipped');
  assert.match(rows[0]!.note!, /nginx not installed/);
});

test('accessLogRows: logging on >= 0.9 of off (issue 18), CPU per request as info; skipped says how', () => {
  const rows = accessLogRows([{ id: 'one-1k', label: '1 KiB, 1 URL', logOverNoLog: 0.895, cpuPerRequestNoLogOverLog: 0.937 }], true);
  assert.equal(rows.map((r) => [r.key, r.verdict]), [['hit.one-1k.accessLogRatio', 'MISSED'], ['hit.one-1k.accessLogCpuRatio', 'info']]);
  assert.is(accessLogRows([{ id: 'one-1k', label: 'x', logOverNoLog: 0.9, cpuPerRequestNoLogOverLog: null }], true)[0]!.verdict, 'met');
  assert.equal(accessLogRows([], false).map((r) => [r.verdict, r.note]), [['skipped', 'skipped (BENCH_ACCESS_LOG=0)']]);
});

test('memoryRows, clusterRows: targets from issues 2, 3 and 16; skipped benches say why', () => {
  assert.equal(memoryRows(1.5, 2.2, 1.9).map((r) => [r.key, r.verdict]), [['memory.edgeKiB', 'met'], ['memory.nginxKiB', 'info'], ['memory.nginxRatio', 'met'], ['memory.baselineKiB', 'info']]);
  assert.is(memoryRows(1.5, 1.2, undefined)[2]!.verdict, 'MISSED');
  assert.is(memoryRows(2.1, undefined, undefined)[0]!.verdict, 'MISSED');
  assert.is(memoryRows(undefined, undefined, undefined)[0]!.verdict, 'skipped');
  const c = clusterRows({ clusterHitRatio: 0.78, clusterOverIdealHitRatio: 0.9999, clusterOverIndependentOrigin: 0.59 });
  assert.equal(c.map((r) => [r.key, r.verdict]), [['cluster.hitRatio', 'info'], ['cluster.overIdeal', 'met'], ['cluster.originRatio', 'MISSED']]);
  assert.is(clusterRows(undefined)[0]!.note, 'skipped (BENCH_CLUSTER=0)');
});

const PURGE: PurgeFigures = { edges: 10, p50Ms: 0.3, p99Ms: 4, maxMs: 6, fromPostP99Ms: 11, sustained: { purgesPerSecond: 6000, lagGrowing: false, lagMax: 63 }, orderViolations: 0 };

test('purgeRows: p99 <= 10 ms, >= 5,000/s, lag not growing, zero reorders', () => {
  const rows = purgeRows(PURGE);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  assert.is(byKey.get('purge.p99Ms')!.verdict, 'met');
  assert.is(byKey.get('purge.perSecond')!.verdict, 'met');
  assert.is(byKey.get('purge.lagMax')!.verdict, 'met');
  assert.is(byKey.get('purge.order')!.verdict, 'met');
  assert.is(byKey.get('purge.p50Ms')!.verdict, 'info');
  const bad = new Map(purgeRows({ ...PURGE, p99Ms: 12, orderViolations: 1, sustained: { purgesPerSecond: 4000, lagGrowing: true, lagMax: 9000 } }).map((r) => [r.key, r.verdict]));
  assert.equal([bad.get('purge.p99Ms'), bad.get('purge.perSecond'), bad.get('purge.lagMax'), bad.get('purge.order')], ['MISSED', 'MISSED', 'MISSED', 'MISSED']);
  assert.is(purgeRows({ ...PURGE, sustained: null }).at(-1)!.verdict, 'skipped');
  assert.equal(purgeRows(undefined, 'failed: boom').map((r) => [r.verdict, r.note]), [['skipped', 'failed: boom']]);
});

test('simRows: the target is simulated req/s over the real code alone (>= 0.7); missing simulator is a skipped row with the note', () => {
  const slow = simRows({ simulatedRequestsPerWallSecond: 9_500, simulatedToWallRatio: 4.8, checkersPassed: true, realCodeOnlyRequestsPerWallSecond: 60_000, ofCeiling: NaN }, '');
  assert.equal(slow.map((r) => r.verdict), ['info', 'info', 'MISSED', 'info', 'met']);
  assert.is(slow[1]!.value, 60_000);
  assert.ok(Math.abs((slow[2]!.value ?? 0) - 9_500 / 60_000) < 1e-9);
  const fast = simRows({ simulatedRequestsPerWallSecond: 45_000, simulatedToWallRatio: 20, checkersPassed: true, realCodeOnlyRequestsPerWallSecond: 60_000, ofCeiling: NaN }, '');
  assert.is(fast[2]!.verdict, 'met');
  // With rounds, the target is the median of the per-round ratios, not the ratio of the medians.
  const rounds = simRows({ simulatedRequestsPerWallSecond: 9_500, simulatedToWallRatio: 4.8, checkersPassed: true, realCodeOnlyRequestsPerWallSecond: 13_000, ofCeiling: 0.69 }, '');
  assert.is(rounds[2]!.value, 0.69);
  assert.is(rounds[2]!.verdict, 'MISSED');
  const none = simRows(undefined, 'skipped: dist/sim/bench.js not found');
  assert.equal(none.map((r) => [r.verdict, r.note]), [['skipped', 'skipped: dist/sim/bench.js not found']]);
});

test('formatSummaryTable: header, rule, one line per row; info rows have no verdict, skipped rows show the note', () => {
  const text = formatSummaryTable([
    row('a', 'purge', '202 -> applied: p99', 4.04, 'ms', { op: '<=', value: 10 }),
    row('b', 'purge', 'p50', 0.23, 'ms'),
    skipped('c', 'simulator', 'skipped: no sim'),
  ]);
  assert.is(
    text,
    [
      'benchmark  metric                         value  target      verdict',
      '---------  -------------------  ---------------  ----------  -------',
      'purge      202 -> applied: p99          4.04 ms  <= 10.0 ms  met',
      'purge      p50                          0.23 ms',
      'simulator  (skipped)            skipped: no sim              skipped',
    ].join('\n'),
  );
});

test('spreadRows: values per key in run order, min, max, ±spread; skipped rows left out', () => {
  const run = (rps: number, p99: number | null): SummaryRow[] => [
    row('hit.one-1k.rpsRatio', 'hit path', 'req/s ratio', rps, 'x', { op: '>=', value: 0.95 }),
    row('purge.p99Ms', 'purge', 'p99', p99, 'ms'),
    skipped('sim.requestsPerWallSecond', 'simulator', 'skipped'),
  ];
  const rows = spreadRows([run(0.9, 4), run(1.1, null), run(1.0, 6)]);
  assert.is(rows.length, 2);
  assert.equal(rows[0]!.values, [0.9, 1.1, 1.0]);
  assert.is(rows[0]!.min, 0.9);
  assert.is(rows[0]!.max, 1.1);
  assert.ok(Math.abs(rows[0]!.spread - 0.1) < 1e-12);
  assert.equal(rows[1]!.values, [4, null, 6]);
  assert.is(rows[1]!.spread, 0.2);
  const lines = formatSpreadTable(rows).split('\n');
  assert.match(lines[0]!, /^benchmark\s+metric\s+run 1\s+run 2\s+run 3\s+min\s+max\s+spread\s+within ±10%$/);
  assert.match(lines[2]!, /0\.900x\s+1\.10x\s+1\.00x\s+0\.900x\s+1\.10x\s+±10\.0%\s+yes$/);
  assert.match(lines[3]!, /4\.00 ms\s+n\/a\s+6\.00 ms\s+4\.00 ms\s+6\.00 ms\s+±20\.0%\s+NO$/);
});

test.run();
