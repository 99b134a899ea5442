/**
 * The HTML report's charts draw what the summary table is computed from: the purge-lag chart's
 * maximum is the table's purge apply lag max (it once plotted receipt lag instead and showed
 * 4,139 ms where the table said 21,580 ms), one series per region, ticks with units, and every
 * fault interval on every chart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chart, htmlReport, purgeLagSeries, seriesMax, ticks } from '../../../sim/report/html.js';
import { faultIntervals, runScenario } from '../../../sim/run.js';
import { parseScenario } from '../../../sim/scenario/schema.js';

const scenario = parseScenario({
  name: 'report',
  durationMs: 12_000,
  settleMs: 12_000,
  topology: { regions: [{ name: 'us', edges: 2, requestsPerSecond: 60 }, { name: 'eu', edges: 2, requestsPerSecond: 60 }] },
  controlPlane: { leaseMs: 3_000, leaseGraceMs: 500 },
  workload: { keys: 40, purger: { purgesPerSecond: 3 } },
  checks: { convergenceBoundMs: 10_000 },
  faults: [
    // eu misses purges for 4 s: its apply lags are the run's largest.
    { atMs: 3_000, kind: 'partition', id: 'eu-cut', from: ['region:eu'], to: ['control-plane'] },
    { atMs: 7_000, kind: 'heal', id: 'eu-cut' },
    { atMs: 5_000, kind: 'clock-jump', nodes: ['node:us-e1'], deltaMs: 5_000 },
  ],
});

test("the purge-lag chart's maximum is the summary table's, with one series per region", async () => {
  const r = await runScenario(scenario, { seed: 3 });
  assert.ok(r.summary.purgeLagMsMax > 1_000, `a cut region lags: ${r.summary.purgeLagMsMax}`);
  const series = purgeLagSeries(r);
  assert.equal(series.map((s) => s.name), ['us', 'eu']);
  assert.is(seriesMax(series), r.summary.purgeLagMsMax);
  assert.ok(seriesMax(series.filter((s) => s.name === 'eu')) > seriesMax(series.filter((s) => s.name === 'us')));
  const html = htmlReport(r, 'replay');
  const maxima = [...html.matchAll(/class="chart" data-max="([^"]+)"/g)].map((m) => Number(m[1]));
  assert.is(maxima.length, 3);
  assert.is(maxima[2], r.summary.purgeLagMsMax);
  // Every chart shades the partition and marks the jump.
  assert.is(html.match(/<rect class="fault"[^>]*>[^<]*<title>partition eu-cut/g)?.length, 3);
  assert.is(html.match(/<line class="fault"[^>]*><title>clock jump 5000 ms/g)?.length, 3);
});

test('fault intervals pair each fault with what ends it; instants have no length', () => {
  assert.equal(faultIntervals(scenario), [
    { startMs: 3_000, endMs: 7_000, label: 'partition eu-cut: region:eu' },
    { startMs: 5_000, endMs: 5_000, label: 'clock jump 5000 ms node:us-e1' },
  ]);
  const unhealed = parseScenario({ ...scenario, faults: [{ atMs: 1_000, kind: 'crash', nodes: ['control-plane'] }, { atMs: 2_000, kind: 'disk', mode: 'slow' }] });
  assert.equal(faultIntervals(unhealed).map((f) => [f.startMs, f.endMs]), [[1_000, 12_000], [2_000, 12_000]]);
});

test('ticks are round, start at 0 and reach the maximum; the axes carry them with units', () => {
  assert.equal(ticks(21_580), [0, 5_000, 10_000, 15_000, 20_000, 25_000]);
  assert.equal(ticks(1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(ticks(0), [0]);
  const svg = chart('t', [{ name: 'a', points: [[0, 1], [10, 7]] }], 10, [], 'ms');
  assert.match(svg, />virtual time \(s\)</);
  assert.match(svg, />ms</);
  assert.match(svg, /text-anchor="end">8</);
  assert.match(svg, /data-max="7"/);
});

test.run();
