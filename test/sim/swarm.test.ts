/**
 * The swarm: seeds on worker threads give the same per-seed results and hashes as one thread;
 * the generated fault mixes stay within bounds and cover every fault kind; a mark that some
 * scenario named and no seed reached is reported.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseScenario, type Fault } from '../../sim/scenario/schema.js';
import { isLeaseOnlySeed, isMembershipOnlySeed, LEASE_ONLY_SHARE, MAX_SWARM_FAULTS, MEMBERSHIP_ONLY_SHARE, swarmScenario } from '../../sim/swarm.js';
import { unreachedMarks } from '../../sim/swarm-marks.js';
import { dispatchOrder, expectedSeedWork, runSwarmSeeds } from '../../sim/swarm-pool.js';
import type { SeedResult } from '../../sim/swarm-seed.js';

/** Short runs: the generator still draws every kind of fault, within these 6 s. */
const base = parseScenario({
  name: 'swarm-test',
  durationMs: 6_000,
  settleMs: 4_000,
  topology: { regions: [{ name: 'r1', edges: 3, standbyEdges: 1, requestsPerSecond: 60 }, { name: 'r2', edges: 2, requestsPerSecond: 40 }] },
  checks: { convergenceBoundMs: 3_000 },
});

test('two worker threads give each seed the same result and trace hash as one thread', async () => {
  const seeds = [7, 8, 9, 10];
  const one = await runSwarmSeeds({ seeds, workers: 1, base, breaks: [] });
  const two = await runSwarmSeeds({ seeds, workers: 2, base, breaks: [] });
  assert.equal(two.map((r) => r.seed), seeds);
  assert.equal(two.map((r) => [r.seed, r.traceHash, r.code, r.failed]), one.map((r) => [r.seed, r.traceHash, r.code, r.failed]));
  // Workers take seeds as they finish, so the hashes differ by seed (not a constant).
  assert.is(new Set(one.map((r) => r.traceHash)).size, seeds.length);
  // Marks are counted inside each worker and come back with the seed's result.
  assert.equal(two.map((r) => r.reachedMarks), one.map((r) => r.reachedMarks));
  assert.ok(two.every((r) => r.reachedMarks.includes('collapse-waiter-shared')));
});

test('workers take the seeds longest expected first, each seed once', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => 301 + i);
  const order = dispatchOrder(seeds, undefined);
  assert.equal([...order].sort((a, b) => a - b), seeds);
  const work = order.map((seed) => expectedSeedWork(swarmScenario(seed)));
  for (let i = 1; i < work.length; i++) assert.ok(work[i - 1]! >= work[i]!, `position ${i}: ${work[i - 1]} before ${work[i]}`);
  assert.is.not(order.join(), seeds.join(), 'the generated seeds differ in expected work');
});

test('expected work grows with the load, the faults, the edges and the keys', () => {
  const one = swarmScenario(301);
  const w = expectedSeedWork(one);
  const r0 = one.topology.regions[0]!;
  const withRegion = (change: Partial<typeof r0>) => ({ ...one, topology: { ...one.topology, regions: [{ ...r0, ...change }, ...one.topology.regions.slice(1)] } });
  assert.ok(expectedSeedWork(withRegion({ requestsPerSecond: r0.requestsPerSecond + 100 })) > w);
  assert.ok(expectedSeedWork(withRegion({ edges: r0.edges + 1 })) > w);
  assert.ok(expectedSeedWork({ ...one, faults: [...one.faults, { atMs: 1_000, kind: 'clock-jump', nodes: ['node:r1-e1'], deltaMs: 1_000 }] }) > w);
  assert.ok(expectedSeedWork({ ...one, workload: { ...one.workload, keys: one.workload.keys + 100 } }) > w);
});

/** What one drawn fault counts as: its heal, restart, recovery or disk-ok partner is part of it. */
const isPartner = (f: Fault): boolean => f.kind === 'heal' || f.kind === 'origin-recover' || (f.kind === 'disk' && f.mode === 'ok') || (f.kind === 'restart' && f.graceful !== true) || (f.kind === 'crash' && f.nodes.includes('control-plane'));

test('each seed draws at most 8 faults, and 300 seeds draw every kind the issue names', () => {
  const kinds = new Set<string>();
  for (let seed = 1; seed <= 300; seed++) {
    const s = swarmScenario(seed);
    const drawn = s.faults.filter((f) => !isPartner(f));
    assert.ok(drawn.length <= MAX_SWARM_FAULTS, `seed ${seed}: ${drawn.length} faults`);
    for (const f of s.faults) kinds.add(f.kind === 'disk' ? `disk:${f.mode}` : f.kind === 'restart' && f.graceful ? 'restart:graceful' : f.kind);
    assert.equal(swarmScenario(seed), s, 'a pure function of the seed');
  }
  for (const k of ['partition', 'crash', 'clock-jump', 'clock-drift', 'disk:fsync-fail', 'disk:slow', 'disk:torn', 'join', 'leave', 'restart:graceful', 'origin-outage']) assert.ok(kinds.has(k), k);
});

test('a share of generated seeds draws only membership changes, so membership-origin can judge them', () => {
  const membership = new Set(['join', 'leave', 'restart:graceful']);
  let only = 0;
  let withChange = 0;
  for (let seed = 1; seed <= 500; seed++) {
    const s = swarmScenario(seed);
    const kinds = s.faults.map((f) => (f.kind === 'restart' && f.graceful ? 'restart:graceful' : f.kind));
    if (!isMembershipOnlySeed(seed)) continue;
    only++;
    assert.ok(kinds.every((k) => membership.has(k)), `seed ${seed}: ${kinds.join(',')}`);
    if (kinds.length > 0) withChange++;
  }
  assert.ok(Math.abs(only / 500 - MEMBERSHIP_ONLY_SHARE) < 0.05, `${only} of 500 seeds`);
  assert.ok(withChange > only / 2, `${withChange} of ${only} membership-only seeds change membership`);
  // A base scenario keeps its full mix.
  assert.not.ok(Array.from({ length: 50 }, (_, i) => isMembershipOnlySeed(i + 1, base)).some(Boolean));
});

test('a share of generated seeds has a lease lapse as its one fault: a region cut off past the lease and its grace, healed with the run', () => {
  let only = 0;
  for (let seed = 1; seed <= 500; seed++) {
    if (!isLeaseOnlySeed(seed)) continue;
    only++;
    assert.not.ok(isMembershipOnlySeed(seed), `seed ${seed} is in both shares`);
    const s = swarmScenario(seed);
    assert.is(s.faults.length, 2, `seed ${seed}: ${JSON.stringify(s.faults)}`);
    const [cut, heal] = s.faults as [Fault & { kind: 'partition' }, Fault & { kind: 'heal' }];
    assert.is(cut.kind, 'partition');
    assert.match(cut.from[0]!, /^region:/);
    assert.is(heal.kind, 'heal');
    const leaseAndGrace = s.controlPlane.leaseMs + s.controlPlane.leaseGraceMs;
    assert.ok(cut.atMs >= 1_000 && heal.atMs - cut.atMs >= Math.min(leaseAndGrace + 2_000, s.durationMs - cut.atMs), `seed ${seed}: ${cut.atMs}-${heal.atMs}`);
    assert.ok(heal.atMs <= s.durationMs);
    assert.ok(s.marks.includes('lease-expired'));
  }
  assert.ok(Math.abs(only / 500 - LEASE_ONLY_SHARE * (1 - MEMBERSHIP_ONLY_SHARE)) < 0.04, `${only} of 500 seeds`);
  assert.not.ok(Array.from({ length: 50 }, (_, i) => isLeaseOnlySeed(i + 1, base)).some(Boolean));
});

const result = (seed: number, namedMarks: SeedResult['namedMarks'], reachedMarks: SeedResult['reachedMarks']): SeedResult => ({ seed, code: 0, failed: '', example: '', traceHash: '', namedMarks, reachedMarks });

test('a mark is unreached only when some seed named it and no seed reached it', () => {
  const table: Array<[string, SeedResult[], string[]]> = [
    ['reached by the seed that named it', [result(1, ['flush'], ['flush'])], []],
    ['reached by another seed', [result(1, ['flush'], []), result(2, [], ['flush'])], []],
    ['named twice, reached by none', [result(1, ['flush', 'handoff-answered'], ['handoff-answered']), result(2, ['flush'], [])], ['flush named by 2 first 1']],
    ['reached but never named is no requirement', [result(1, [], ['lease-expired'])], []],
  ];
  for (const [name, results, expected] of table) {
    assert.equal(unreachedMarks(results).map((u) => `${u.mark} named by ${u.namedBy} first ${u.firstSeed}`), expected, name);
  }
});

test.run();
