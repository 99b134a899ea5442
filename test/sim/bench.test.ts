import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ceilingTurnsHere, ceilingTurnsInWorker } from '../../sim/bench-ceiling.js';
import { runScenario } from '../../sim/run.js';
import { loadScenario } from '../../sim/scenario/schema.js';
import { ceilingRequests, formatSimBenchRound, runSimBench, type SimBenchRound } from '../../sim/bench.js';
import { median } from '../../common/median.js';

test('median: odd and even counts, unsorted input left alone, NaN for none', () => {
  const xs = [3, 1, 2];
  assert.is(median(xs), 2);
  assert.equal(xs, [3, 1, 2]);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('ceilingRequests: the simulated load (2,000 req/s) over the same seconds, bounded to 10,000-200,000', () => {
  assert.is(ceilingRequests(60), 120_000);
  assert.is(ceilingRequests(1), 10_000);
  assert.is(ceilingRequests(600), 200_000);
});

test('runSimBench: rounds alternate which measurement runs first, and the target is the median of per-round ratios', async () => {
  const seen: SimBenchRound[] = [];
  const r = await runSimBench({ simulatedSeconds: 0.5, ceilingRequests: 1_000, rounds: 2, onRound: (round) => seen.push(round) });
  assert.equal(
    seen.map((s) => s.first),
    ['simulator', 'ceiling'],
  );
  assert.equal(r.rounds, seen);
  for (const s of seen) assert.ok(Math.abs(s.ofCeiling - s.simulatedRequestsPerWallSecond / s.realCodeOnlyRequestsPerWallSecond) < 1e-9);
  assert.is(r.ofCeiling, median(seen.map((s) => s.ofCeiling)));
  assert.is(r.realCodeOnlyRequestsPerWallSecond, median(seen.map((s) => s.realCodeOnlyRequestsPerWallSecond)));
  assert.ok(r.checkersPassed);
  assert.ok(r.simulatedRequests > 500, `simulated requests ${r.simulatedRequests}`);
  assert.match(formatSimBenchRound(seen[1]!, 1), /^round 2 \(ceiling first\): simulator \d+ req\/s, real code alone \d+ req\/s, \d\.\d{3}x$/);
});

test('a run paused every simulated second is the same run: same trace hash, one pause per second boundary', async () => {
  const scenario = loadScenario('sim/scenarios/smoke.json');
  const whole = await runScenario(scenario, { seed: 3 });
  const pausedAt: number[] = [];
  let count = 0;
  const paused = await runScenario(scenario, {
    seed: 3,
    pause: {
      everyMs: 1_000,
      between: async () => {
        pausedAt.push(++count);
        // A pause that yields to the event loop, as a turn in another worker does.
        await new Promise((r) => setImmediate(r));
      },
    },
  });
  assert.is(paused.traceHash, whole.traceHash);
  assert.is(pausedAt.length, Math.ceil((scenario.durationMs + scenario.settleMs) / 1_000) - 1);
});

for (const [where, turns] of [
  ['this thread', () => ceilingTurnsHere(1, 300)],
  ['a worker', () => ceilingTurnsInWorker(1, 300, 48)],
] as const) {
  test(`ceiling turns in ${where}: each turn runs the next requests and adds its time`, async () => {
    const t = turns();
    try {
      await t.take();
      assert.is(t.requests, 300);
      const afterOne = t.ms;
      assert.ok(afterOne > 0);
      await t.take();
      await t.take();
      assert.is(t.requests, 900);
      assert.ok(t.ms > afterOne);
    } finally {
      await t.close();
    }
  });
}

test.run();
