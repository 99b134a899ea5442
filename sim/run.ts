/**
 * One simulation run: builds the World for a scenario and seed, attaches the checkers and the
 * statistics, runs, and returns a report. Shared by `cdn-sim`, the tests and the bench.
 */
import { Convergence, Freshness, Local, OriginLoad, PurgeSafety, Routing, type Checker, type Verdict } from './checkers/checkers.js';
import { recordMarks, type Mark } from '../common/coverage-marks.js';
import { MembershipOrigin } from './checkers/membership-origin.js';
import type { HistoryRecord } from './history.js';
import type { Scenario } from './scenario/schema.js';
import { breakRules } from '../common/break-switches.js';
import { RULE_BREAKS, World, type Break, type WorldOptions } from './world/world.js';

export interface RunOptions {
  seed: number;
  breaks?: ReadonlySet<Break>;
  traceLine?: (line: string) => void;
  drain?: WorldOptions['drain'];
  /** Pauses in the run (WorldOptions.pause): the bench's interleaving with the ceiling. */
  pause?: WorldOptions['pause'];
  /**
   * Real elapsed time, for reporting speed only (simulated time never reads it). Given by the
   * binary and the bench; absent in tests, where the report's wallMs is then 0.
   */
  wallClockMs?: () => number;
  /**
   * Runs without the trace hash and without the checkers: the report's verdicts are empty, its
   * traceHash '' and its purge figures 0. Not a way to run a scenario: only the simulator bench's
   * info row, which measures what the checks cost (sim/bench.ts).
   */
  unchecked?: boolean;
}

export interface FaultInterval {
  startMs: number;
  /** Equal to startMs for a fault that is an instant (a clock jump, a join). */
  endMs: number;
  label: string;
}

export interface TimelineBucket {
  second: number;
  requests: number;
  hits: number;
  originFetches: number;
}

export interface RunReport {
  scenario: string;
  seed: number;
  breaks: Break[];
  simulatedMs: number;
  wallMs: number;
  events: number;
  records: number;
  summary: {
    clientRequests: number;
    hitRatio: number;
    originRequests: number;
    /** 1 - origin requests / client requests: the share of client load the edges kept off the origin. */
    offload: number;
    latencyMsP50: number;
    latencyMsP99: number;
    errors: number;
    purges: number;
    purgeLagMsP50: number;
    purgeLagMsP99: number;
    purgeLagMsMax: number;
  };
  verdicts: Verdict[];
  timeline: TimelineBucket[];
  /** The same per second, for each region's edges (client requests by the edge that answered). */
  regionTimelines: Record<string, TimelineBucket[]>;
  /** Every (purge, edge) apply lag the summary's purge lag figures are taken from, by apply time. */
  purgeLags: Array<{ t: number; lagMs: number; region: string }>;
  faults: Array<{ t: number; kind: string; detail: string }>;
  /** When each fault was in force (a partition until its heal, a crash until its restart, ...), in true ms. */
  faultIntervals: FaultInterval[];
  traceHash: string;
  /** Coverage marks (common/coverage-marks.ts) the run's product code reached, with how often. */
  marks: Partial<Record<Mark, number>>;
  /** Exception thrown by simulated code, if the run crashed. */
  crash?: string;
}

const HIT_KINDS = new Set(['hit', 'stale-while-revalidate', 'stale-if-error']);

/** Latency histogram in 0.1 ms buckets up to 60 s: percentiles without keeping every sample. */
class Histogram {
  private readonly buckets = new Uint32Array(600_001);
  count = 0;
  add(ms: number): void {
    this.buckets[Math.min(600_000, Math.max(0, Math.round(ms * 10)))]!++;
    this.count++;
  }
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const want = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= want) return i / 10;
    }
    return 60_000;
  }
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunReport> {
  const unchecked = options.unchecked === true;
  const world = new World(scenario, { seed: options.seed, ...(unchecked ? { hashed: false } : {}), ...(options.breaks === undefined ? {} : { breaks: options.breaks }), ...(options.traceLine === undefined ? {} : { traceLine: options.traceLine }), ...(options.drain === undefined ? {} : { drain: options.drain }), ...(options.pause === undefined ? {} : { pause: options.pause }) });
  const edgeIds = world.edges.map((e) => e.node.id);
  // The scenario's bound, not the one --break collapsing gives the edges: a broken edge's waiters
  // giving up early must still show as overlapping fetches.
  const originLoad = new OriginLoad(edgeIds.length, scenario.edge.collapseWaitMs);
  // Standby edges are expected to converge only once they join.
  const convergence = new Convergence(scenario.durationMs, scenario.checks.convergenceBoundMs, world.edges.filter((e) => e.member).map((e) => e.node.id));
  const membership = new MembershipOrigin(scenario.checks.membershipWindowMs, scenario.checks.membershipMaxFraction, new Map(world.edges.map((e) => [e.node.id, e.node.region])), hasMembershipFaults(scenario));
  const checkers: Checker[] = unchecked ? [] : [new PurgeSafety(), convergence, new Freshness(scenario.checks.freshnessSlackMs), originLoad, new Routing(), new Local(), membership];
  for (const c of checkers) world.history.listen(c);
  if (!unchecked) {
    world.network.observer = {
      onExchange: (ev) => {
        if (ev.to === 'origin' && ev.method === 'GET') originLoad.fetchEnded(ev.from, ev.target, ev.startMs, ev.endMs, ev.status);
      },
    };
  }

  const latency = new Histogram();
  const timeline: TimelineBucket[] = [];
  const faults: RunReport['faults'] = [];
  const regionOf = new Map(world.edges.map((e) => [e.node.id, e.node.region]));
  const regionTimelines: Record<string, TimelineBucket[]> = Object.fromEntries(scenario.topology.regions.map((r) => [r.name, []]));
  let clientRequests = 0;
  let hits = 0;
  let errors = 0;
  let originRequests = 0;
  const bucketIn = (list: TimelineBucket[], t: number): TimelineBucket => {
    const second = Math.floor(t / 1000);
    while (list.length <= second) list.push({ second: list.length, requests: 0, hits: 0, originFetches: 0 });
    return list[second]!;
  };
  const bucket = (t: number): TimelineBucket => bucketIn(timeline, t);
  const regionBucket = (node: string, t: number): TimelineBucket | undefined => {
    const list = regionTimelines[regionOf.get(node) ?? ''];
    return list === undefined ? undefined : bucketIn(list, t);
  };
  world.history.listen({
    record(r: HistoryRecord) {
      switch (r.type) {
        case 'request':
          if (r.role !== 'client') return;
          clientRequests++;
          latency.add(r.latencyMs);
          if (r.status === 0 || r.status >= 500) errors++;
          {
            const b = bucket(r.t);
            const rb = regionBucket(r.node, r.t);
            b.requests++;
            if (rb !== undefined) rb.requests++;
            if (HIT_KINDS.has(r.kind)) {
              hits++;
              b.hits++;
              if (rb !== undefined) rb.hits++;
            }
          }
          return;
        case 'origin':
          if (r.method === 'GET') {
            originRequests++;
            bucket(r.t).originFetches++;
            const rb = regionBucket(r.from, r.t);
            if (rb !== undefined) rb.originFetches++;
          }
          return;
        case 'fault':
          faults.push({ t: r.t, kind: r.kind, detail: r.detail });
          return;
        default:
          return;
      }
    },
  });

  const wallClockMs = options.wallClockMs ?? (() => 0);
  const wallStart = wallClockMs();
  let crash: string | undefined;
  const stopMarks = recordMarks();
  const restoreRules = breakRules([...(options.breaks ?? [])].flatMap((b) => (b in RULE_BREAKS ? [RULE_BREAKS[b as keyof typeof RULE_BREAKS]] : [])));
  try {
    await world.run();
  } catch (err) {
    crash = err instanceof Error ? (err.stack ?? err.message) : String(err);
  } finally {
    restoreRules();
  }
  const marks = Object.fromEntries([...stopMarks()].sort(([a], [b]) => (a < b ? -1 : 1)));
  const wallMs = wallClockMs() - wallStart;
  const verdicts = checkers.map((c) => c.verdict());
  const conv = verdicts.find((v) => v.name === 'convergence')?.stats ?? {};
  return {
    scenario: scenario.name,
    seed: options.seed,
    breaks: [...(options.breaks ?? [])],
    simulatedMs: world.scheduler.now(),
    wallMs,
    events: world.scheduler.executed,
    records: world.history.records,
    summary: {
      clientRequests,
      hitRatio: clientRequests === 0 ? 0 : hits / clientRequests,
      originRequests,
      offload: clientRequests === 0 ? 0 : 1 - originRequests / clientRequests,
      latencyMsP50: latency.quantile(0.5),
      latencyMsP99: latency.quantile(0.99),
      errors,
      purges: conv['purges'] ?? 0,
      purgeLagMsP50: conv['lagMsP50'] ?? 0,
      purgeLagMsP99: conv['lagMsP99'] ?? 0,
      purgeLagMsMax: conv['lagMsMax'] ?? 0,
    },
    verdicts,
    timeline,
    regionTimelines,
    purgeLags: convergence.lags.map((l) => ({ t: l.t, lagMs: l.lagMs, region: regionOf.get(l.node) ?? '' })),
    faults,
    faultIntervals: faultIntervals(scenario),
    traceHash: world.history.traceHash(),
    marks,
    ...(crash === undefined ? {} : { crash }),
  };
}

/** Whether the scenario changes a region's membership: a join, a leave or a graceful restart (a leave, then a join). */
export function hasMembershipFaults(scenario: Scenario): boolean {
  return scenario.faults.some((f) => f.kind === 'join' || f.kind === 'leave' || (f.kind === 'restart' && f.graceful === true));
}

/**
 * When each of the scenario's faults was in force: a partition until the heal naming it (or any
 * heal without an id), a crash until a restart of the same nodes, an origin outage until the
 * recovery, a disk fault until the disk is ok again, a drift until the end of the faults; a clock
 * jump, a join, a leave and a restart are instants. Whatever is still in force ends when the
 * faults stop (durationMs).
 */
export function faultIntervals(scenario: Scenario): FaultInterval[] {
  const end = scenario.durationMs;
  const out: FaultInterval[] = [];
  const faults = scenario.faults;
  const until = (from: number, ends: (f: (typeof faults)[number]) => boolean): number => faults.find((f, j) => j > from && ends(f))?.atMs ?? end;
  faults.forEach((f, i) => {
    switch (f.kind) {
      case 'partition':
        out.push({ startMs: f.atMs, endMs: until(i, (g) => g.kind === 'heal' && (g.id === undefined || g.id === f.id)), label: `partition ${f.id}: ${f.from.join(',')}` });
        return;
      case 'crash':
        out.push({ startMs: f.atMs, endMs: until(i, (g) => g.kind === 'restart' && g.nodes.join() === f.nodes.join()), label: `crash ${f.nodes.join(',')}` });
        return;
      case 'origin-outage':
        out.push({ startMs: f.atMs, endMs: until(i, (g) => g.kind === 'origin-recover'), label: `origin ${f.mode}` });
        return;
      case 'disk':
        if (f.mode !== 'ok') out.push({ startMs: f.atMs, endMs: until(i, (g) => g.kind === 'disk'), label: `disk ${f.mode}` });
        return;
      case 'clock-drift':
        out.push({ startMs: f.atMs, endMs: until(i, (g) => g.kind === 'clock-drift' && g.nodes.join() === f.nodes.join()), label: `drift ${f.ppm} ppm ${f.nodes.join(',')}` });
        return;
      case 'clock-jump':
        out.push({ startMs: f.atMs, endMs: f.atMs, label: `clock jump ${f.deltaMs} ms ${f.nodes.join(',')}` });
        return;
      case 'join':
      case 'leave':
        out.push({ startMs: f.atMs, endMs: f.atMs, label: `${f.kind} ${f.nodes.join(',')}` });
        return;
      case 'restart':
        out.push({ startMs: f.atMs, endMs: f.atMs, label: `${f.graceful === true ? 'graceful ' : ''}restart ${f.nodes.join(',')}` });
        return;
      case 'heal':
      case 'origin-recover':
        return;
      default:
        throw new Error(`unknown fault ${JSON.stringify(f satisfies never)}`);
    }
  });
  return out;
}

export const EXIT = { ok: 0, correctness: 1, liveness: 2, crash: 3, coverage: 4, usage: 64 } as const;

/** Crash beats correctness beats liveness. */
export function exitCodeOf(report: RunReport): number {
  if (report.crash !== undefined) return EXIT.crash;
  if (report.verdicts.some((v) => !v.ok && v.kind === 'correctness')) return EXIT.correctness;
  if (report.verdicts.some((v) => !v.ok && v.kind === 'liveness')) return EXIT.liveness;
  return EXIT.ok;
}
