/**
 * Swarm testing (as TigerBeetle's VOPR): each seed draws its own small topology, workload and
 * fault mix (up to MAX_SWARM_FAULTS faults), so many seeds cover many combinations. The scenario
 * is a pure function of the seed. Each generated scenario names the coverage marks its mix
 * should reach (common/coverage-marks.ts); `cdn-sim swarm` fails when a mark some scenario
 * named was reached by no seed.
 */
import type { Mark } from '../common/coverage-marks.js';
import { RandomStreams } from './kernel/random.js';
import { parseScenario, type Scenario } from './scenario/schema.js';

/** At most this many faults (a fault with its heal or restart counts once) per seed. */
export const MAX_SWARM_FAULTS = 8;

/**
 * The share of generated seeds whose faults are only joins, graceful leaves and rolling-restart
 * steps. membership-origin judges a change only in an otherwise quiet run (a crash or partition
 * before its window closes makes an origin fetch no proof of a failed handoff), and in the full
 * mix only about 2 seeds in 100 had such a change: `--break handoff` was caught on 2% of 100 seeds.
 * The choice comes from its own random stream, so every other seed draws exactly what it drew
 * before this share existed.
 */
export const MEMBERSHIP_ONLY_SHARE = 0.2;

/**
 * The share of generated seeds (outside the membership-only share) whose one fault is a partition
 * of a region long enough for its edges' control-plane leases to lapse, with time left after. A
 * purge the control plane completes without those edges (their leases gone) must not be served by
 * them; only such a window shows a lease that is not enforced. The full mix drew one on about 5 of
 * 100 seeds (`--break lease` caught 5 of 100), and with other faults beside it (a control-plane
 * crash, another partition) the purges it needs often never completed: of seeds that drew the
 * lapse on top of their usual faults, 3 in 7 caught the broken lease. The choice comes from its own
 * random stream, so every other seed draws exactly what it drew before this share existed.
 */
export const LEASE_ONLY_SHARE = 0.1;

/** Clock drift drawn within ±this (2%): within the freshness checker's slack for a 30 s lifetime. */
const MAX_DRIFT_PPM = 20_000;

export function swarmScenario(seed: number, base?: Scenario): Scenario {
  const rng = new RandomStreams(seed).stream('swarm');
  const membershipOnly = isMembershipOnlySeed(seed, base);
  const leaseOnly = isLeaseOnlySeed(seed, base);
  const durationMs = base?.durationMs ?? 20_000;
  // Caches of 1-5 MB: origin-load and membership-origin judge refetches from the origin's answers
  // and cannot see evictions, so caches smaller than the working set are left to a base scenario
  // (sim/swarm-bases/small-caches.json, for --break local).
  const region = (name: string) => ({ name, edges: 2 + rng.int(3), cacheMaxBytes: 1_000_000 + rng.int(4_000_000), requestsPerSecond: 50 + rng.int(150), standbyEdges: rng.int(2) });
  const regions = base?.topology.regions ?? [region('r1'), region('r2')];
  const at = (): number => Math.floor(rng.next() * durationMs * 0.8);
  const faults: unknown[] = [];
  const marks = new Set<Mark>(['collapse-waiter-shared']);
  const leaseMs = base?.controlPlane.leaseMs ?? 10_000;
  const anyRegion = () => regions[rng.int(regions.length)]!;
  // Crashes and restarts take edges other than the last member, which joins and leaves take:
  // a crash-restart of an edge that left would bring back a node outside the ring.
  const crashable = (): string => {
    const r = anyRegion();
    return `node:${r.name}-e${1 + rng.int(Math.max(1, r.edges - 1))}`;
  };
  const anyEdge = (): string => {
    const r = anyRegion();
    return `node:${r.name}-e${1 + rng.int(r.edges)}`;
  };
  // Drawn for a lease-only seed too (its regions are those of the full mix; what is drawn after the
  // loop is what a seed that drew no faults gets).
  const drawn = rng.int(MAX_SWARM_FAULTS + 1);
  const n = leaseOnly ? 0 : drawn;
  for (let i = 0; i < n; i++) {
    const start = at();
    const lengthMs = 1_000 + rng.int(15_000);
    const end = Math.min(durationMs, start + lengthMs);
    // Kinds 9 (join) and 10 (leave or rolling-restart step) are the membership changes.
    switch (membershipOnly ? 9 + rng.int(2) : rng.int(11)) {
      case 0:
        faults.push({ atMs: start, kind: 'partition', id: `p${i}`, from: [`region:${anyRegion().name}`], oneWay: rng.chance(0.3) }, { atMs: end, kind: 'heal', id: `p${i}` });
        break;
      case 1: {
        const sel = crashable();
        faults.push({ atMs: start, kind: 'crash', nodes: [sel] }, { atMs: end, kind: 'restart', nodes: [sel] });
        marks.add('peer-fallback-to-origin');
        break;
      }
      case 2:
        faults.push({ atMs: start, kind: 'clock-jump', nodes: [anyEdge()], deltaMs: rng.int(60_001) - 30_000 });
        break;
      case 3:
        faults.push({ atMs: start, kind: 'partition', id: `cp${i}`, from: ['control-plane'] }, { atMs: end, kind: 'heal', id: `cp${i}` });
        if (end - start > leaseMs) marks.add('lease-expired');
        break;
      case 4:
        faults.push({ atMs: start, kind: 'origin-outage', mode: rng.pick(['error', 'refuse', 'hang']) }, { atMs: end, kind: 'origin-recover' });
        break;
      case 5:
        faults.push({ atMs: start, kind: 'crash', nodes: ['control-plane'] }, { atMs: end, kind: 'restart', nodes: ['control-plane'] });
        if (end - start > leaseMs) marks.add('lease-expired');
        break;
      case 6:
        faults.push({ atMs: start, kind: 'clock-drift', nodes: [anyEdge()], ppm: rng.int(2 * MAX_DRIFT_PPM + 1) - MAX_DRIFT_PPM });
        break;
      case 7:
        // A failed fsync stops the log until the control plane restarts (as its supervisor would).
        faults.push({ atMs: start, kind: 'disk', mode: 'fsync-fail' }, { atMs: end, kind: 'restart', nodes: ['control-plane'] });
        marks.add('log-fsync-failed');
        // The failed batch's high-water mark is on disk without its records: the restarted log
        // starts a new history, and edges resuming the old one flush.
        marks.add('flush');
        break;
      case 8: {
        // A slow disk; torn: a crash mid-sync leaves half a record for the next open to cut.
        const torn = rng.chance(0.5);
        // A torn write needs a sync in flight when the crash comes: torn disks are slow for longer.
        const delayMs = torn ? 1_000 + rng.int(2_000) : 20 + rng.int(500);
        faults.push({ atMs: start, kind: 'disk', mode: torn ? 'torn' : 'slow', delayMs });
        if (torn) {
          faults.push({ atMs: Math.min(durationMs, start + 1 + rng.int(3_000)), kind: 'crash', nodes: ['control-plane'] }, { atMs: end, kind: 'restart', nodes: ['control-plane'] });
          marks.add('log-torn-tail-repaired');
        }
        faults.push({ atMs: end, kind: 'disk', mode: 'ok' });
        break;
      }
      case 9: {
        const r = anyRegion();
        if (r.standbyEdges === 0) break;
        faults.push({ atMs: start, kind: 'join', nodes: [`node:${r.name}-e${r.edges + 1}`] });
        marks.add('handoff-answered');
        break;
      }
      default: {
        const r = anyRegion();
        // A graceful leave for good, or a rolling-restart step (leave, then start empty and join).
        const node = `node:${r.name}-e${r.edges}`;
        faults.push(rng.chance(0.5) ? { atMs: start, kind: 'leave', nodes: [node] } : { atMs: start, kind: 'restart', nodes: [node], graceful: true });
        marks.add('handoff-answered');
      }
    }
  }
  if (leaseOnly) faults.push(...leaseLapse(seed, regions, durationMs, leaseMs + (base?.controlPlane.leaseGraceMs ?? 2_000), marks));
  const cacheControl = rng.pick(['public, max-age=30', 'public, max-age=10, stale-while-revalidate=5', 'public, s-maxage=20, stale-if-error=60']);
  if (cacheControl.includes('stale-while-revalidate')) marks.add('stale-while-revalidate-served');
  if (cacheControl.includes('stale-if-error') && faults.some((f) => (f as { kind: string }).kind === 'origin-outage')) marks.add('stale-if-error-served');
  const softPurgeShare = rng.chance(0.3) ? 0.5 : 0;
  if (softPurgeShare > 0) marks.add('soft-purge-applied');
  return parseScenario({
    name: `swarm-${seed}`,
    description: 'generated by cdn-sim swarm',
    durationMs,
    settleMs: base?.settleMs ?? 20_000,
    topology: { regions, links: { lossRate: rng.chance(0.3) ? rng.next() * 0.02 : 0, duplicateRate: rng.chance(0.3) ? rng.next() * 0.02 : 0 } },
    origin: { cacheControl },
    workload: { keys: 50 + rng.int(500), zipf: 0.7 + rng.next() * 0.5, versionChangesPerSecond: rng.next() * 2, purger: { purgesPerSecond: 0.2 + rng.next() * 2, softShare: softPurgeShare } },
    // Convergence is judged only when the run outlasts its bound after the faults stop, so the
    // bound plus the stream's idle timeout fit in the settle time.
    ...(base === undefined ? { edge: { streamIdleMs: 5_000 }, checks: { convergenceBoundMs: 15_000 } } : { edge: base.edge, checks: base.checks }),
    faults: withoutRepeatedMembership(faults.sort((a, b) => (a as { atMs: number }).atMs - (b as { atMs: number }).atMs)),
    marks: base === undefined ? [...marks].sort() : base.marks,
  });
}

/**
 * Whether `seed` draws only membership changes (MEMBERSHIP_ONLY_SHARE of generated seeds). A base
 * scenario keeps the full mix: its own shape (e.g. small caches for --break local) is the point.
 */
export function isMembershipOnlySeed(seed: number, base?: Scenario): boolean {
  return base === undefined && new RandomStreams(seed).stream('swarm-mix').chance(MEMBERSHIP_ONLY_SHARE);
}

/** Whether `seed`'s one fault is a lease lapse (LEASE_ONLY_SHARE of the seeds outside the membership-only share). */
export function isLeaseOnlySeed(seed: number, base?: Scenario): boolean {
  return base === undefined && !isMembershipOnlySeed(seed, base) && new RandomStreams(seed).stream('swarm-lease-mix').chance(LEASE_ONLY_SHARE);
}

/**
 * A partition of one region from everything else (the control plane among it), from 1-3 s in (its
 * edges have their leases and some copies by then) for the lease and its grace plus up to 2-6 s,
 * healed by the run's end: for those last seconds the control plane completes purges without the
 * region's edges, which must then not serve what those purges removed (edge/pipeline/edge.ts,
 * lease-expired).
 */
function leaseLapse(seed: number, regions: ReadonlyArray<{ name: string }>, durationMs: number, leaseAndGraceMs: number, marks: Set<Mark>): unknown[] {
  const rng = new RandomStreams(seed).stream('swarm-lease');
  const startMs = 1_000 + rng.int(2_001);
  const lengthMs = leaseAndGraceMs + 2_000 + rng.int(4_001);
  const region = regions[rng.int(regions.length)]!.name;
  marks.add('lease-expired');
  return [
    { atMs: startMs, kind: 'partition', id: 'lease-lapse', from: [`region:${region}`], oneWay: false },
    { atMs: Math.min(durationMs, startMs + lengthMs), kind: 'heal', id: 'lease-lapse' },
  ];
}

/**
 * Drops, from faults in time order, a leave or graceful restart of an edge that has left for good
 * and a join of an edge that has joined: the world ignores both (sim/world/world.ts), so they only
 * made a scenario say more than happened (seeds 1 and 33 drew two each). Dropped after the draws,
 * so every other fault of every seed stays as drawn.
 */
function withoutRepeatedMembership(sorted: unknown[]): unknown[] {
  const left = new Set<string>();
  const joined = new Set<string>();
  return sorted.filter((raw) => {
    const f = raw as { kind: string; nodes?: string[]; graceful?: boolean };
    const node = f.nodes?.[0] ?? '';
    if (f.kind === 'join') {
      if (joined.has(node)) return false;
      joined.add(node);
    } else if (f.kind === 'leave' || (f.kind === 'restart' && f.graceful === true)) {
      if (left.has(node)) return false;
      if (f.kind === 'leave') left.add(node);
    }
    return true;
  });
}
