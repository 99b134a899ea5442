/**
 * Issue #14 in the simulator: a join, a graceful leave and a graceful rolling restart under
 * steady load and purges keep the origin fetches of moved keys within the membership-origin
 * bound (5% of the requested moved keys + 1), with 0 client errors and every other checker
 * (purge-safety included) passing; `--break handoff` (no handoff window, no pushes on leave, set
 * through the edges' own config) is caught by that bound.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario, type RunReport } from '../../sim/run.js';
import { loadScenario } from '../../sim/scenario/schema.js';

async function run(name: string, broken: boolean): Promise<RunReport> {
  const report = await runScenario(loadScenario(`sim/scenarios/${name}.json`), { seed: 1, ...(broken ? { breaks: new Set(['handoff' as const]) } : {}) });
  assert.is(report.crash, undefined, report.crash);
  return report;
}

const stats = (r: RunReport) => r.verdicts.find((v) => v.name === 'membership-origin')!.stats!;

for (const name of ['join-under-load', 'leave-under-load', 'rolling-restart-region']) {
  test(`${name}: every checker passes, no client errors, moved keys stay off the origin`, async () => {
    const r = await run(name, false);
    for (const v of r.verdicts) assert.ok(v.ok, `${v.name}: ${v.examples.join(' / ')}`);
    assert.is(r.summary.errors, 0);
    const s = stats(r);
    assert.ok(s['requestedMovedKeys']! > 20, `moved keys were requested: ${JSON.stringify(s)}`);
    assert.ok(s['causedFraction']! <= 0.05, JSON.stringify(s));
  });

  test(`${name} --break handoff is caught by membership-origin`, async () => {
    const r = await run(name, true);
    const v = r.verdicts.find((x) => x.name === 'membership-origin')!;
    assert.not.ok(v.ok, JSON.stringify(v.stats));
    assert.ok(stats(r)['causedFraction']! > 0.3, JSON.stringify(v.stats));
  });
}

test.run();
