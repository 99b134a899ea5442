import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, Zipf } from '../../sim/kernel/random.js';
import { Scheduler } from '../../sim/kernel/scheduler.js';
import { SimNode } from '../../sim/kernel/node.js';
import { runScenario } from '../../sim/run.js';
import { parseScenario, ScenarioError, loadScenario } from '../../sim/scenario/schema.js';
import type { Break } from '../../sim/world/world.js';

const small = (over: Record<string, unknown> = {}) =>
  parseScenario({
    name: 'small',
    durationMs: 8_000,
    settleMs: 8_000,
    topology: { regions: [{ name: 'a', edges: 2, requestsPerSecond: 100 }, { name: 'b', edges: 2, requestsPerSecond: 100 }] },
    origin: { cacheControl: 'public, max-age=30' },
    workload: { keys: 50, versionChangesPerSecond: 1, purger: { purgesPerSecond: 1 } },
    ...over,
  });

test('rng streams are reproducible and independent', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.is(a.next(), b.next());
  const z = new Zipf(100, 1);
  const counts = new Array(100).fill(0);
  const r = new Rng(1);
  for (let i = 0; i < 10_000; i++) counts[z.sample(r)]++;
  assert.ok(counts[0] > counts[10] && counts[10] > counts[90]);
});

test('scheduler orders by (time, seq), drains microtasks, drops a crashed node\'s timers', async () => {
  const s = new Scheduler();
  const seen: string[] = [];
  s.at(10, () => seen.push('b'));
  s.at(5, () => seen.push('a'));
  s.at(10, () => seen.push('c'));
  s.at(
    7,
    () => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => seen.push(`micro@${s.now()}`));
    },
    { async: true },
  );
  const node = new SimNode('n', 'edge', 'r', 'n.sim', s);
  node.timers.after(20, () => seen.push('dead'));
  node.crash();
  await s.run(100);
  assert.equal(seen, ['a', 'micro@7', 'b', 'c']);
});

test('clocks: skewed wall, monotonic never back, drift scales timers', async () => {
  const s = new Scheduler();
  const node = new SimNode('n', 'edge', 'r', 'n.sim', s);
  const w0 = node.clock.wallMs();
  node.clock.jump(-30_000);
  assert.is(node.clock.wallMs(), w0 - 30_000);
  const m0 = node.clock.monoMs();
  node.clock.setDriftPpm(100_000);
  let firedAt = -1;
  node.timers.after(1_100, () => (firedAt = s.now()));
  await s.run(2_000);
  assert.ok(Math.abs(firedAt - 1_000) < 1e-6);
  assert.ok(node.clock.monoMs() >= m0);
});

test('scenario errors name the field in one line', () => {
  try {
    parseScenario({ name: 'x', durationMs: 10, topology: { regions: [{ name: 'a', edges: 0 }] } });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ScenarioError);
    assert.match((err as Error).message, /topology\.regions\.0\.edges/);
    assert.not.match((err as Error).message, /\n/);
  }
});

test('the scenario library loads', () => {
  for (const name of ['smoke', 'region-partition-purge-storm', 'control-plane-down-10min', 'clock-skew-half', 'owner-crash-mid-fill', 'rolling-restart-region', 'origin-outage', 'collapse-herd', 'join-under-load', 'leave-under-load', 'compression-browser-mix']) {
    loadScenario(`sim/scenarios/${name}.json`);
  }
});

/** Checkers whose failures this test tolerates; empty since the origin-load findings were fixed (edge and checker). */
const KNOWN_FAILING = new Set<string>();

test('same seed, same trace hash; another seed, another hash; checkers pass', async () => {
  const s = small();
  const a = await runScenario(s, { seed: 7 });
  const b = await runScenario(s, { seed: 7 });
  const c = await runScenario(s, { seed: 8 });
  assert.is(a.crash, undefined);
  assert.is(a.traceHash, b.traceHash);
  assert.is.not(a.traceHash, c.traceHash);
  assert.ok(a.summary.clientRequests > 1000);
  assert.ok(a.summary.purges > 0);
  assert.ok(a.summary.offload > 0 && a.summary.offload < 1);
  for (const v of a.verdicts) if (!KNOWN_FAILING.has(v.name)) assert.ok(v.ok, `${v.name}: ${v.examples.join(' / ')}`);
});

test('the microtask drain gives the same trace as one macrotask per async event', async () => {
  const s = small({ faults: [{ atMs: 2000, kind: 'crash', nodes: ['control-plane'] }, { atMs: 4000, kind: 'restart', nodes: ['control-plane'] }] });
  const micro = await runScenario(s, { seed: 3 });
  const macro = await runScenario(s, { seed: 3, drain: 'macrotask' });
  assert.is(micro.crash, undefined);
  assert.is(micro.traceHash, macro.traceHash);
});

test('the real control client holds its stream over the simulated network and reconnects after a cut', async () => {
  const r = await runScenario(
    small({
      settleMs: 20_000,
      checks: { convergenceBoundMs: 18_000 },
      faults: [
        { atMs: 2000, kind: 'partition', id: 'cut', from: ['region:a'], to: ['control-plane'] },
        { atMs: 3000, kind: 'heal', id: 'cut' },
      ],
    }),
    { seed: 2 },
  );
  assert.is(r.crash, undefined);
  const conv = r.verdicts.find((v) => v.name === 'convergence')!;
  assert.ok(conv.ok, conv.examples.join(' / '));
  assert.ok(r.summary.purges > 0);
});

async function failing(breakName: Break, over: Record<string, unknown>, seed = 1): Promise<string[]> {
  const r = await runScenario(small(over), { seed, breaks: new Set([breakName]) });
  assert.is(r.crash, undefined);
  return r.verdicts.filter((v) => !v.ok).map((v) => v.name);
}

test('--break collapsing is caught by origin-load', async () => {
  const failed = await failing('collapsing', {
    topology: { regions: [{ name: 'a', edges: 2, requestsPerSecond: 400 }] },
    origin: { cacheControl: 'public, max-age=5', latencyMs: 300 },
    workload: { keys: 10, zipf: 1.2 },
  });
  assert.ok(failed.includes('origin-load'), failed.join(','));
});

const partitionDuringPurges = {
  durationMs: 20_000,
  topology: { regions: [{ name: 'us', edges: 2, requestsPerSecond: 200 }, { name: 'eu', edges: 2, requestsPerSecond: 200 }] },
  origin: { cacheControl: 'public, max-age=300' },
  controlPlane: { leaseMs: 3000, leaseGraceMs: 1000 },
  workload: { keys: 30, zipf: 1.0, purger: { purgesPerSecond: 5, startMs: 3000 } },
  faults: [
    { atMs: 5000, kind: 'partition', id: 'eu-cut', from: ['region:eu'], to: ['control-plane', 'purger', 'region:us'] },
    { atMs: 15000, kind: 'heal', id: 'eu-cut' },
  ],
};

test('--break lease is caught by purge-safety', async () => {
  const failed = await failing('lease', partitionDuringPurges);
  assert.ok(failed.includes('purge-safety'), failed.join(','));
});

test('--break purge-replay is caught', async () => {
  // Whether a skipped purge is observed depends on which keys clients ask for after the heal, so
  // one seed is fragile against any change to the trace (seed 1 stopped catching it when waiters
  // began sharing peer answers); seeds 2..5 all catch it today.
  const failed = await failing('purge-replay', {
    ...partitionDuringPurges,
    workload: { keys: 400, zipf: 0.8, purger: { purgesPerSecond: 5, startMs: 3000 } },
    // The client notices the cut stream before its lease runs out, so only replay protects it.
    edge: { streamIdleMs: 2000 },
    faults: [
      { atMs: 5000, kind: 'partition', id: 'eu-cut', from: ['region:eu'], to: ['control-plane'] },
      { atMs: 6000, kind: 'heal', id: 'eu-cut' },
    ],
  }, 2);
  assert.ok(failed.includes('purge-safety') || failed.includes('convergence'), failed.join(','));
});

test.run();
