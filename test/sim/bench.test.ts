import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ceilingTurnsHere, ceilingTurnsInWorker } from '../../sim/bench-ceiling.js';
import { runScenario } from '../../sim/run.js';
import { loadScenario } from '../../sim/scenario/schema.js';
import { formatSimBenchRound, runSimBench, type SimBenchRound } from '../../sim/bench.js';
import { median } from '../../common/median.js';

test('median: odd and even counts, unsorted input left alone, NaN for none', () => {
  const xs = [3, 1, 2];
  assert.is(median(xs), 2);
  assert.equal(xs, [3, 1, 2]);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('runSimBench: rounds alternate which measurement takes the first turn, and the target is the median of per-round ratios', async () => {
  const seen: SimBenchRound[] = [];
  // Two simulated seconds: two turns each, one pause in the run; a tenth of the bench's load.
  const r = await runSimBench({ simulatedSeconds: 2, requestsPerSecond: 200, ceilingRequestsPerTurn: 300, rounds: 2, onRound: (round) => seen.push(round) });
  assert.equal(
    seen.map((s) => s.first),
    ['simulator', 'ceiling'],
  );
  assert.equal(r.rounds, seen);
  for (const s of seen) assert.ok(Math.abs(s.ofCeiling - s.simulatedRequestsPerWallSecond / s.realCodeOnlyRequestsPerWallSecond) < 1e-9);
  assert.is(r.ofCeiling, median(seen.map((s) => s.ofCeiling)));
  assert.is(r.realCodeOnlyRequestsPerWallSecond, median(seen.map((s) => s.realCodeOnlyRequestsPerWallSecond)));
  assert.ok(r.checkersPassed);
  assert.ok(r.simulatedRequests > 200, `simulated requests ${r.simulatedRequests}`);
  assert.ok(r.simulatedSeconds === 2);
  assert.match(formatSimBenchRound(seen[1]!, 1), /^round 2 \(ceiling first\): simulator \d+ req\/s, real code alone \d+ req\/s, \d\.\d{3}x$/);
});

test('an unchecked run (the bench\'s info figure) simulates the same run without trace hash or checkers', async () => {
  const scenario = { ...loadScenario('sim/scenarios/smoke.json'), durationMs: 3_000, settleMs: 1_000 };
  const checked = await runScenario(scenario, { seed: 2 });
  const unchecked = await runScenario(scenario, { seed: 2, unchecked: true });
  assert.ok(checked.verdicts.length > 0);
  assert.match(checked.traceHash, /^[0-9a-f]{64}$/);
  assert.equal(unchecked.verdicts, []);
  assert.is(unchecked.traceHash, '');
  // The same simulation: same events, records and answers; only the purge figures, which the
  // convergence checker computes, are left at 0.
  assert.is(unchecked.events, checked.events);
  assert.is(unchecked.records, checked.records);
  assert.equal({ ...unchecked.summary, purges: 0, purgeLagMsP50: 0, purgeLagMsP99: 0, purgeLagMsMax: 0 }, { ...checked.summary, purges: 0, purgeLagMsP50: 0, purgeLagMsP99: 0, purgeLagMsMax: 0 });
  assert.equal(unchecked.timeline, checked.timeline);
  assert.ok(checked.summary.purges > 0, 'the checked run counts its purges');
  assert.is(unchecked.summary.purges, 0);
});

// A pause lands between events; anything an event left pending (a continuation its callback
// started) must have run at that event's time, or it runs at the pause's time instead and the
// run changes (the purger's event once left its request's continuation pending: smoke seeds 4
// and 5 then differed at 100 and 250 ms pauses). Smoke is cut to its first 5 s and 2 s of settling:
// with that event made synchronous again, the cut run differs at the same four of the six
// (seed, interval) pairs as the whole 35-s run, in half the time (a 3 s + 1 s cut caught one).
for (const [file, seeds, intervals, cut] of [
  ['smoke', [4, 5], [100, 250, 1_000], { durationMs: 5_000, settleMs: 2_000 }],
  ['owner-crash-mid-fill', [1], [250], {}],
] as const) {
  test(`${file}: a run paused every ${intervals.join(', ')} simulated ms is the same run (seeds ${seeds.join(', ')})`, async () => {
    const scenario = { ...loadScenario(`sim/scenarios/${file}.json`), ...cut };
    for (const seed of seeds) {
      const whole = await runScenario(scenario, { seed });
      for (const everyMs of intervals) {
        let pauses = 0;
        const paused = await runScenario(scenario, {
          seed,
          pause: {
            everyMs,
            between: async () => {
              pauses++;
              // Yield to the event loop, as a turn in another worker does.
              await new Promise((r) => setImmediate(r));
            },
          },
        });
        assert.is(paused.traceHash, whole.traceHash, `seed ${seed}, every ${everyMs} ms`);
        assert.is(pauses, Math.ceil((scenario.durationMs + scenario.settleMs) / everyMs) - 1);
      }
    }
  });
}

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
