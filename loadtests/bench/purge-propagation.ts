/**
 * The purge bench (issue 4, "Bench"): how long a purge takes from the control plane's 202 to
 * being applied on every one of N edges, and how many purges per second the control plane
 * accepts while the edges keep up.
 *
 * The control plane is the real binary in a child process (pinned like the servers of the
 * hit-path bench) with its log on the real disk. The N edges are real `Edge`s with the real
 * `ControlClient` over the real undici transport, built with the binary's own factories in this
 * (the harness) process: they serve no traffic, they only hold a stream each and apply purges.
 * Each edge's `applyPurge` is wrapped to record `performance.now()` per seq. Everything is on
 * 127.0.0.1. The rig (control plane, edges, client) is purge-rig.ts.
 *
 *   (a) sequential: `count` purges, one at a time (POST, await the 202, next POST). Per purge:
 *       propagation from the 202 arriving to the last edge applying it, and from the POST being
 *       sent to the same moment. Edges and client share this process's event loop, so an edge
 *       can apply a purge before the harness has read its 202: that shows as a negative value
 *       and is counted.
 *   (b) sustained: `concurrency` POSTs in flight for `sustainedSeconds`. Purges/s accepted, and
 *       the lag (highest seq accepted − lowest seq applied across edges) sampled every
 *       `lagSampleMs`: first, last, max and whether it grows.
 *
 * Alone: node dist/loadtests/bench/purge-propagation.js (BENCH_PURGE_* as below; BENCH_SERVER_CPU
 * pins the control plane, default 0, BENCH_GENERATOR_CPU this process, default 1).
 *   BENCH_PURGE_EDGES (10) BENCH_PURGE_COUNT (1000) BENCH_PURGE_WARMUP (100)
 *   BENCH_PURGE_SECONDS (10) BENCH_PURGE_CONCURRENCY (64) BENCH_PURGE_LAG_SAMPLE_MS (100)
 *   BENCH_PURGE_LAG_SLACK (256: a rise in lag up to this many purges counts as noise)
 *   BENCH_PURGE_RATE (100) BENCH_PURGE_RATE_SECONDS (5; 0 skips): (c) open-loop offered rate
 *   BENCH_PURGE_STORE (file; etcd: 3 etcd members and 3 replicas, needs `etcd` on PATH)
 *   BENCH_PURGE_REPLICAS (3: control-plane replicas on etcd, all pinned with the control plane)
 *   BENCH_ETCD_CPU (unpinned: the CPU to pin the 3 etcd members to; the report says where each runs)
 *   BENCH_REPLICA_CPUS (all on BENCH_SERVER_CPU: one CPU per replica, e.g. 0,1,0, or none for unpinned)
 *   BENCH_PURGE_POST_TO (all: POSTs round-robin over the replicas; first: all to replica 1, which opens the log and usually leads)
 *   BENCH_PURGE_STORES (standalone only: file,etcd runs both in one run and prints the ratio)
 *   BENCH_PURGE_BASELINE_DIST (none): another build's dist (e.g. main's) to run side by side with
 *   this one, taking blocks of purges in turn, printing both (purge-compare.ts: BENCH_PURGE_COMPARE_*)
 * Quick run: BENCH_PURGE_COUNT=200 BENCH_PURGE_SECONDS=3
 */
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { clockTicksPerSecond, cpuPercent, onPath, pinSelf, readCpuTicks, type CpuTicks } from './processes.js';
import { postOk, replicaLayout, sleep, startPurgeRig, type Accepted, type ApplyRecorder, type PurgeBenchContext, type PurgeClient } from './purge-rig.js';
import { distribution, lagTrend, type Distribution, type LagSample, type LagTrend } from './stats.js';
import { envInteger } from './env-integer.js';

export type { PurgeBenchContext } from './purge-rig.js';

export interface PurgeBenchOptions {
  edges: number;
  /** Purges sent one at a time and measured. */
  count: number;
  /** Purges sent one at a time before, not measured (JIT, connections, page cache). */
  warmup: number;
  sustainedSeconds: number;
  concurrency: number;
  lagSampleMs: number;
  lagSlack: number;
  /** (c): purges offered per second, open loop, and for how long (0 skips). */
  pacedRate: number;
  pacedSeconds: number;
  /** `file`: one control plane, log on disk. `etcd`: 3 etcd members and 3 replicas, POSTs round-robin, each edge given every replica. */
  store: 'file' | 'etcd';
  /** etcd store: `all` round-robins POSTs over the replicas; `first` sends every POST to replica 1 (usually the leader: it opens the log first). */
  postTo: 'all' | 'first';
}

export const DEFAULT_PURGE_BENCH_OPTIONS: Readonly<PurgeBenchOptions> = Object.freeze({
  edges: 10,
  count: 1000,
  warmup: 100,
  sustainedSeconds: 10,
  concurrency: 64,
  lagSampleMs: 100,
  lagSlack: 256,
  pacedRate: 100,
  pacedSeconds: 5,
  store: 'file',
  postTo: 'all',
});

/** Targets from issue 4. */
export const PURGE_TARGETS = Object.freeze({ propagationMsP99: 10, purgesPerSecond: 5000 });

export function readPurgeBenchOptions(env: NodeJS.ProcessEnv): PurgeBenchOptions {
  const d = DEFAULT_PURGE_BENCH_OPTIONS;
  const read = (name: string, dflt: number, min: number): number => envInteger(env, `BENCH_PURGE_${name}`, dflt, min);
  return {
    edges: read('EDGES', d.edges, 1),
    count: read('COUNT', d.count, 1),
    warmup: read('WARMUP', d.warmup, 0),
    sustainedSeconds: read('SECONDS', d.sustainedSeconds, 0),
    concurrency: read('CONCURRENCY', d.concurrency, 1),
    lagSampleMs: read('LAG_SAMPLE_MS', d.lagSampleMs, 10),
    lagSlack: read('LAG_SLACK', d.lagSlack, 0),
    pacedRate: read('RATE', d.pacedRate, 1),
    pacedSeconds: read('RATE_SECONDS', d.pacedSeconds, 0),
    store: readStore(env['BENCH_PURGE_STORE'], d.store),
    postTo: readPostTo(env['BENCH_PURGE_POST_TO'], d.postTo),
  };
}

function readPostTo(raw: string | undefined, dflt: 'all' | 'first'): 'all' | 'first' {
  if (raw === undefined || raw === '') return dflt;
  if (raw !== 'all' && raw !== 'first') throw new Error(`BENCH_PURGE_POST_TO: expected all or first, got ${JSON.stringify(raw)}`);
  return raw;
}

function readStore(raw: string | undefined, dflt: 'file' | 'etcd'): 'file' | 'etcd' {
  if (raw === undefined || raw === '') return dflt;
  if (raw !== 'file' && raw !== 'etcd') throw new Error(`BENCH_PURGE_STORE: expected file or etcd, got ${JSON.stringify(raw)}`);
  return raw;
}

export interface SequentialResult {
  purges: number;
  /** Last edge applied − 202 arrived, ms. */
  fromAcceptedMs: Distribution;
  /** Last edge applied − POST sent, ms. */
  fromPostMs: Distribution;
  /** POST sent → 202 arrived, ms (the fsync is in here). */
  acceptMs: Distribution;
  /** Purges whose last edge applied them before the harness read the 202. */
  appliedBefore202: number;
  seconds: number;
}

export interface PacedResult {
  rate: number;
  seconds: number;
  purges: number;
  /** Last edge applied − 202 arrived, ms. */
  fromAcceptedMs: Distribution;
}

export interface SustainedResult {
  seconds: number;
  concurrency: number;
  accepted: number;
  acceptedPerSecond: number;
  /** 503 (disk queue full) answers; the worker backs off 1 ms and retries. */
  rejected503: number;
  errors: number;
  lag: LagTrend;
  lagSamples: LagSample[];
  /** After the last 202: time until every edge had applied everything. */
  drainMs: number;
  controlPlaneCpuPercent: number;
  harnessCpuPercent: number;
  /** etcd store: what the replicas' append pipelines did during (b), summed over replicas (from /metrics). */
  etcdAppends: EtcdAppendCounts | null;
  /** POST -> 202 during (b), per replica (index of the control-plane URL): where a purge waits longest. */
  acceptMsByReplica: Distribution[];
  /** etcd store: the replica that launched most append transactions during (b), i.e. the leader; null for the file store. */
  leaderReplica: number | null;
}

/** The control plane's control_plane_etcd_append_* counters (control-plane/etcd/append-pipeline.ts). */
export interface EtcdAppendCounts {
  batches: number;
  purges: number;
  overlapped: number;
  compareFailures: number;
  unknown: number;
}

export interface PurgeBenchResult {
  options: PurgeBenchOptions;
  controlPlaneCpu: number | null;
  harnessCpu: number | null;
  /** etcd store: control-plane replicas, the CPU of each and the CPU the etcd members are pinned to (null: unpinned). */
  replicas: number;
  replicaCpus: Array<number | null>;
  etcdCpu: number | null;
  dataDir: string;
  sequential: SequentialResult;
  paced: PacedResult | null;
  sustained: SustainedResult | null;
  /** Out-of-order or skipped seqs seen by any edge's applyPurge: must be 0. */
  orderViolations: number;
  /** Flushes after the edges' first hello (an edge fell behind the retained log): should be 0. */
  unexpectedFlushes: number;
  /** Every purge accepted over the run was applied by every edge at the end. */
  allApplied: boolean;
  lastSeq: number;
  targets: {
    propagationMsP99: { target: number; met: boolean };
    purgesPerSecond: { target: number; met: boolean };
    lagNotGrowing: { met: boolean };
  };
}

async function runSequential(client: PurgeClient, recorder: ApplyRecorder, o: PurgeBenchOptions): Promise<SequentialResult> {
  await warmUpSequential(client, recorder, o.warmup);
  const m = await measureSequential(client, recorder, o.count);
  return {
    purges: m.fromAcceptedMs.length,
    fromAcceptedMs: distribution(m.fromAcceptedMs),
    fromPostMs: distribution(m.fromPostMs),
    acceptMs: distribution(m.acceptMs),
    appliedBefore202: m.appliedBefore202,
    seconds: m.seconds,
  };
}

/** `n` unmeasured purges one at a time, then one more waited for on every edge, so their tail does not land on measured ones. */
export async function warmUpSequential(client: PurgeClient, recorder: ApplyRecorder, n: number): Promise<void> {
  if (n <= 0) return;
  for (let i = 0; i < n; i++) await postOk(client);
  await recorder.allApplied((await postOk(client)).seq, 10_000);
}

/** One block of sequential purges: per purge, 202 -> applied on the last edge, POST -> the same, POST -> 202. */
export interface SequentialSamples {
  fromAcceptedMs: number[];
  fromPostMs: number[];
  acceptMs: number[];
  appliedBefore202: number;
  seconds: number;
}

/** `n` purges one at a time (POST, await the 202, next POST), then waits until every edge applied them. */
export async function measureSequential(client: PurgeClient, recorder: ApplyRecorder, n: number): Promise<SequentialSamples> {
  recorder.recording = true;
  const accepted: Accepted[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) accepted.push(await postOk(client));
  const lastSeq = accepted[accepted.length - 1]!.seq;
  await recorder.allApplied(lastSeq, 30_000);
  const seconds = (performance.now() - started) / 1000;
  recorder.recording = false;

  const samples: SequentialSamples = { fromAcceptedMs: [], fromPostMs: [], acceptMs: [], appliedBefore202: 0, seconds };
  for (const a of accepted) {
    const times = recorder.appliedAt.get(a.seq);
    if (times === undefined || times.some((t) => Number.isNaN(t))) throw new Error(`purge bench: seq ${a.seq} has no apply time on some edge`);
    const lastApplied = Math.max(...times);
    samples.fromAcceptedMs.push(lastApplied - a.acceptedMs);
    samples.fromPostMs.push(lastApplied - a.postMs);
    samples.acceptMs.push(a.acceptedMs - a.postMs);
    if (lastApplied < a.acceptedMs) samples.appliedBefore202++;
  }
  recorder.appliedAt.clear();
  return samples;
}

/**
 * (c) Open loop: `pacedRate` purges per second for `pacedSeconds`, each sent when due whatever
 * the earlier ones are doing; 202 → applied on every edge, per purge.
 */
async function runPaced(client: PurgeClient, recorder: ApplyRecorder, o: PurgeBenchOptions): Promise<PacedResult> {
  recorder.recording = true;
  const total = o.pacedRate * o.pacedSeconds;
  const inFlight: Promise<Accepted | { status: number }>[] = [];
  const started = performance.now();
  while (inFlight.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * o.pacedRate) + 1);
    while (inFlight.length < due) inFlight.push(client.post());
    await sleep(2);
  }
  const answers = await Promise.all(inFlight);
  const accepted = answers.filter((a): a is Accepted => !('status' in a));
  const lastSeq = accepted.reduce((mx, a) => Math.max(mx, a.seq), 0);
  await recorder.allApplied(lastSeq, 30_000);
  recorder.recording = false;
  const fromAccepted: number[] = [];
  for (const a of accepted) {
    const times = recorder.appliedAt.get(a.seq);
    if (times === undefined || times.some((t) => Number.isNaN(t))) throw new Error(`purge bench: seq ${a.seq} has no apply time on some edge`);
    fromAccepted.push(Math.max(...times) - a.acceptedMs);
  }
  recorder.appliedAt.clear();
  return { rate: o.pacedRate, seconds: (performance.now() - started) / 1000, purges: accepted.length, fromAcceptedMs: distribution(fromAccepted) };
}

export async function runSustained(client: PurgeClient, recorder: ApplyRecorder, o: PurgeBenchOptions, controlPlanePid: number): Promise<SustainedResult> {
  let lastSeq = 0;
  let accepted = 0;
  let rejected503 = 0;
  let errors = 0;
  const samples: LagSample[] = [];
  const acceptMsByReplica: number[][] = [];
  const cpBefore = readCpuTicks(controlPlanePid);
  const selfBefore = readCpuTicks(process.pid);
  const started = performance.now();
  const deadline = started + o.sustainedSeconds * 1000;
  const sampler = setInterval(() => {
    samples.push({ atMs: performance.now() - started, lag: Math.max(0, lastSeq - recorder.minAppliedSeq()) });
  }, o.lagSampleMs);
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      try {
        const r = await client.post();
        if ('status' in r) {
          if (r.status === 503) {
            rejected503++;
            await sleep(1);
          } else errors++;
          continue;
        }
        accepted++;
        if (r.seq > lastSeq) lastSeq = r.seq;
        (acceptMsByReplica[r.replica] ??= []).push(r.acceptedMs - r.postMs);
      } catch {
        errors++;
        await sleep(1);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const ended = performance.now();
  clearInterval(sampler);
  const cpAfter = readCpuTicks(controlPlanePid);
  const selfAfter = readCpuTicks(process.pid);
  const wallMs = ended - started;
  await recorder.allApplied(lastSeq, 60_000);
  const drainMs = performance.now() - ended;
  const cpu = (a: CpuTicks | undefined, b: CpuTicks | undefined): number => (a === undefined || b === undefined ? NaN : cpuPercent(a, b, clockTicksPerSecond(), wallMs));
  return {
    seconds: wallMs / 1000,
    concurrency: o.concurrency,
    accepted,
    acceptedPerSecond: accepted / (wallMs / 1000),
    rejected503,
    errors,
    lag: lagTrend(samples, o.lagSlack),
    lagSamples: samples,
    drainMs,
    controlPlaneCpuPercent: cpu(cpBefore, cpAfter),
    harnessCpuPercent: cpu(selfBefore, selfAfter),
    etcdAppends: null,
    acceptMsByReplica: Array.from(acceptMsByReplica, (ms) => distribution(ms ?? [])),
    leaderReplica: null,
  };
}

const APPEND_COUNTERS: ReadonlyArray<[keyof EtcdAppendCounts, string]> = [
  ['batches', 'control_plane_etcd_append_batches_total'],
  ['purges', 'control_plane_etcd_append_purges_total'],
  ['overlapped', 'control_plane_etcd_append_overlapped_total'],
  ['compareFailures', 'control_plane_etcd_append_compare_failures_total'],
  ['unknown', 'control_plane_etcd_append_unknown_total'],
];

/** The etcd append counters of each replica (each appends when it leads, or for itself). */
async function scrapeAppendCounts(urls: readonly string[], token: string): Promise<EtcdAppendCounts[]> {
  const perReplica: EtcdAppendCounts[] = [];
  for (const url of urls) {
    const counts: EtcdAppendCounts = { batches: 0, purges: 0, overlapped: 0, compareFailures: 0, unknown: 0 };
    const res = await request(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.body.text();
    for (const [field, name] of APPEND_COUNTERS) {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      counts[field] = m === null ? 0 : Number(m[1]);
    }
    perReplica.push(counts);
  }
  return perReplica;
}

/** What the replicas' counters grew by between two scrapes, summed, and which replica launched most transactions. */
function appendDelta(before: readonly EtcdAppendCounts[], after: readonly EtcdAppendCounts[]): { sum: EtcdAppendCounts; busiest: number } {
  const sum: EtcdAppendCounts = { batches: 0, purges: 0, overlapped: 0, compareFailures: 0, unknown: 0 };
  let busiest = 0;
  let busiestBatches = -1;
  after.forEach((a, i) => {
    const b = before[i]!;
    for (const [field] of APPEND_COUNTERS) sum[field] += a[field] - b[field];
    if (a.batches - b.batches > busiestBatches) [busiest, busiestBatches] = [i, a.batches - b.batches];
  });
  return { sum, busiest };
}

export async function runPurgeBench(o: PurgeBenchOptions, ctx: PurgeBenchContext): Promise<PurgeBenchResult> {
  const rig = await startPurgeRig(o, ctx);
  const { client, recorder, controlPlanes, controlUrls, token, edges, dataDir } = rig;
  try {
    const sequential = await runSequential(client, recorder, o);
    ctx.log(`bench: purge: ${sequential.purges} sequential purges in ${sequential.seconds.toFixed(1)} s`);
    let paced: PacedResult | null = null;
    if (o.pacedSeconds > 0) {
      paced = await runPaced(client, recorder, o);
      ctx.log(`bench: purge: ${paced.purges} purges at ${o.pacedRate}/s offered`);
    }
    let sustained: SustainedResult | null = null;
    if (o.sustainedSeconds > 0) {
      const appendsBefore = o.store === 'etcd' ? await scrapeAppendCounts(controlUrls, token) : undefined;
      sustained = await runSustained(client, recorder, o, controlPlanes[0]!.pid);
      if (appendsBefore !== undefined) {
        const { sum, busiest } = appendDelta(appendsBefore, await scrapeAppendCounts(controlUrls, token));
        sustained.etcdAppends = sum;
        sustained.leaderReplica = busiest;
      }
      ctx.log(`bench: purge: sustained ${Math.round(sustained.acceptedPerSecond)} purges/s over ${sustained.seconds.toFixed(1)} s`);
    }
    const lastSeq = edges.reduce((mx, e) => Math.max(mx, e.control.lastSeqSeen), 0);
    const allApplied = recorder.minAppliedSeq() >= lastSeq;
    const p99 = sequential.fromAcceptedMs.p99;
    return {
      options: o,
      controlPlaneCpu: ctx.controlPlaneCpu ?? null,
      harnessCpu: ctx.harnessCpu ?? null,
      replicas: ctx.replicas ?? 3,
      replicaCpus: replicaLayout(ctx).map((c) => c ?? null),
      etcdCpu: ctx.etcdCpu ?? null,
      dataDir,
      sequential,
      paced,
      sustained,
      orderViolations: recorder.orderViolations,
      unexpectedFlushes: recorder.unexpectedFlushes,
      allApplied,
      lastSeq,
      targets: {
        propagationMsP99: { target: PURGE_TARGETS.propagationMsP99, met: p99 <= PURGE_TARGETS.propagationMsP99 },
        purgesPerSecond: { target: PURGE_TARGETS.purgesPerSecond, met: sustained !== null && sustained.acceptedPerSecond >= PURGE_TARGETS.purgesPerSecond },
        lagNotGrowing: { met: sustained !== null && !sustained.lag.growing },
      },
    };
  } finally {
    await rig.close();
  }
}

const fmt = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(2) : 'n/a');
const verdict = (met: boolean): string => (met ? 'met' : 'MISSED');

export function formatPurgeReport(r: PurgeBenchResult): string {
  const o = r.options;
  const s = r.sequential;
  const lines = [
    `purge propagation bench: ${o.edges} edges (real ControlClient over undici, in the harness process${r.harnessCpu === null ? '' : ` on CPU ${r.harnessCpu}`}), ` +
      (o.store === 'file'
        ? `control plane in a child process${r.controlPlaneCpu === null ? '' : ` on CPU ${r.controlPlaneCpu}`}, file store fsynced on ${tmpdir()}`
        : `etcd store: ${r.replicaCpus.length} control-plane replicas on CPUs ${r.replicaCpus.map((c) => (c === null ? 'any' : String(c))).join(',')}, 3 etcd members ${r.etcdCpu === null ? 'unpinned' : `all on CPU ${r.etcdCpu}`} (POSTs ${o.postTo === 'first' ? 'all to replica 1' : 'round-robin over the replicas'}; CPU figure is replica 1's), etcd data on ${tmpdir()}`) +
      `; url purges; ${o.warmup} warm-up purges`,
    `(a) ${s.purges} purges one at a time (${s.seconds.toFixed(1)} s):`,
    `    202 -> applied on all ${o.edges} edges   p50 ${fmt(s.fromAcceptedMs.p50)} ms  p99 ${fmt(s.fromAcceptedMs.p99)} ms  max ${fmt(s.fromAcceptedMs.max)} ms  ` +
      `(target p99 <= ${r.targets.propagationMsP99.target} ms) ${verdict(r.targets.propagationMsP99.met)}`,
    `    POST -> applied on all ${o.edges} edges  p50 ${fmt(s.fromPostMs.p50)} ms  p99 ${fmt(s.fromPostMs.p99)} ms  max ${fmt(s.fromPostMs.max)} ms`,
    `    POST -> 202 (fsync inside)         p50 ${fmt(s.acceptMs.p50)} ms  p99 ${fmt(s.acceptMs.p99)} ms  max ${fmt(s.acceptMs.max)} ms`,
    `    applied on every edge before the harness read the 202: ${s.appliedBefore202} of ${s.purges} (negative 202 -> applied times)`,
  ];
  const c = r.paced;
  lines.push(
    c === null
      ? '(c) offered rate: skipped (BENCH_PURGE_RATE_SECONDS=0)'
      : `(c) ${c.rate} purges/s offered for ${c.seconds.toFixed(1)} s (${c.purges} accepted): 202 -> applied on all ${o.edges} edges  p50 ${fmt(c.fromAcceptedMs.p50)} ms  p99 ${fmt(c.fromAcceptedMs.p99)} ms  max ${fmt(c.fromAcceptedMs.max)} ms`,
  );
  const t = r.sustained;
  if (t === null) {
    lines.push('(b) sustained: skipped (BENCH_PURGE_SECONDS=0)');
  } else {
    lines.push(
      `(b) sustained, ${t.concurrency} POSTs in flight for ${t.seconds.toFixed(1)} s: ${Math.round(t.acceptedPerSecond).toLocaleString('en-US')} purges/s accepted ` +
        `(${t.accepted.toLocaleString('en-US')}; 503: ${t.rejected503}, errors: ${t.errors}) ` +
        // The 5,000/s target is the file store's (one machine); the etcd store's is relative to it, judged on the line after both runs.
        (r.options.store === 'file' ? `(target >= ${r.targets.purgesPerSecond.target.toLocaleString('en-US')}/s) ${verdict(r.targets.purgesPerSecond.met)}` : '(target: the etcd / file line below)'),
      `    lag (accepted - min applied over edges, every ${o.lagSampleMs} ms): first ${t.lag.first} last ${t.lag.last} max ${t.lag.max}; ` +
        `mean first/last third ${t.lag.meanFirstThird.toFixed(0)}/${t.lag.meanLastThird.toFixed(0)}; slope ${t.lag.slopePerSecond.toFixed(1)}/s -> ` +
        `${t.lag.growing ? 'GROWING' : 'bounded'} (slack ${o.lagSlack}) ${verdict(r.targets.lagNotGrowing.met)}`,
      `    drained ${t.drainMs.toFixed(0)} ms after the last 202; CPU % of one CPU: control plane ${t.controlPlaneCpuPercent.toFixed(0)}, harness (edges + client) ${t.harnessCpuPercent.toFixed(0)}`,
    );
    const a = t.etcdAppends;
    if (a !== null) {
      lines.push(
        `    etcd append transactions in (b), all replicas: ${a.batches.toLocaleString('en-US')}, ${(a.purges / Math.max(1, a.batches)).toFixed(1)} purges each; ` +
          `${a.overlapped} launched beside another in flight (pipeline engaged); ${a.compareFailures} compare failures re-sent (arrived before their predecessor, or another writer); ${a.unknown} unknown outcomes`,
      );
    }
    if (t.acceptMsByReplica.length > 1) {
      const parts = t.acceptMsByReplica.map((d, i) => `${i + 1}${i === t.leaderReplica ? ' (leader)' : ''} p50 ${fmt(d.p50)} p99 ${fmt(d.p99)} ms (${d.count})`);
      lines.push(`    POST -> 202 in (b) by replica answering: ${parts.join('; ')}`);
    }
  }
  lines.push(
    `order: ${r.orderViolations} out-of-order or skipped applies, ${r.unexpectedFlushes} flushes after start; every edge applied all ${r.lastSeq.toLocaleString('en-US')}: ${r.allApplied ? 'yes' : 'NO'}`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const o = readPurgeBenchOptions(process.env);
  const num = (name: string, dflt: number): number => (process.env[name] === undefined || process.env[name] === '' ? dflt : Number(process.env[name]));
  const pinning = onPath('taskset');
  const controlPlaneCpu = pinning ? num('BENCH_SERVER_CPU', 0) : undefined;
  const harnessCpu = pinning ? num('BENCH_GENERATOR_CPU', 1) : undefined;
  if (harnessCpu !== undefined && !pinSelf(harnessCpu)) process.stderr.write('bench: could not pin the harness itself\n');
  const etcdCpuRaw = process.env['BENCH_ETCD_CPU'];
  const etcdCpu = pinning && etcdCpuRaw !== undefined && etcdCpuRaw !== '' ? Number(etcdCpuRaw) : undefined;
  const replicas = num('BENCH_PURGE_REPLICAS', 3);
  const replicaCpus = readReplicaCpus(process.env['BENCH_REPLICA_CPUS'], replicas, pinning);
  if (replicaCpus !== undefined && replicaCpus.length !== replicas) throw new Error(`BENCH_REPLICA_CPUS: names ${replicaCpus.length} CPUs for ${replicas} replicas (BENCH_PURGE_REPLICAS)`);
  const ctx = { controlPlaneCpu, harnessCpu, replicas, etcdCpu, ...(replicaCpus === undefined ? {} : { replicaCpus }), log: (l: string) => void process.stderr.write(`${l}\n`) };
  const baseline = process.env['BENCH_PURGE_BASELINE_DIST'];
  if (baseline !== undefined && baseline !== '') {
    process.stdout.write(`purge bench options: ${JSON.stringify(o)}\n`);
    const { comparePurgeBench, readPurgeCompareOptions } = await import('./purge-compare.js');
    const c = readPurgeCompareOptions(process.env);
    process.stdout.write(`purge comparison options: ${JSON.stringify(c)}\n`);
    process.stdout.write(`${(await comparePurgeBench(o, ctx, resolve(baseline), c)).text}\n`);
    return;
  }
  // BENCH_PURGE_STORES=file,etcd runs both stores one after the other in this run, for the ratio.
  const stores = (process.env['BENCH_PURGE_STORES'] ?? o.store).split(',').map((x) => readStore(x.trim(), o.store));
  const results: PurgeBenchResult[] = [];
  for (const store of stores) {
    const options = { ...o, store };
    process.stdout.write(`purge bench options: ${JSON.stringify(options)}\n`);
    const r = await runPurgeBench(options, ctx);
    results.push(r);
    process.stdout.write(`${formatPurgeReport(r)}\n`);
  }
  const file = results.find((r) => r.options.store === 'file')?.sustained;
  const etcd = results.find((r) => r.options.store === 'etcd')?.sustained;
  if (file != null && etcd != null) {
    process.stdout.write(`etcd / file accepted purges/s in this run: ${(etcd.acceptedPerSecond / file.acceptedPerSecond).toFixed(2)} (issue 15 target >= 0.3)\n`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`purge bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/** BENCH_REPLICA_CPUS: `0,1,0` (one CPU per replica) or `none` (every replica unpinned); absent: undefined. */
function readReplicaCpus(raw: string | undefined, replicas: number, pinning: boolean): Array<number | undefined> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (raw.trim() === 'none' || !pinning) return Array.from({ length: replicas }, () => undefined);
  return raw.split(',').map((x) => {
    const cpu = Number(x.trim());
    if (!Number.isInteger(cpu) || cpu < 0) throw new Error(`BENCH_REPLICA_CPUS: expected CPU numbers like 0,1,0 or none, got ${JSON.stringify(raw)}`);
    return cpu;
  });
}

