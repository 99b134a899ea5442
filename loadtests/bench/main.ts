#!/usr/bin/env node
/**
 * `npm run bench`: cache-HIT throughput and p99 of the edge against a plain node:http server
 * holding the same bytes in a Map, plus memory per cached object. Every server listens on
 * 127.0.0.1 (port 0, read back from its listening line); every child is killed on exit.
 *
 * Options (flag or env; flags win):
 *   --seconds N             BENCH_SECONDS          measured seconds per case and server, over the rounds (20)
 *   --rounds N              BENCH_ROUNDS           interleaved baseline/edge rounds per case (5)
 *   --warmup-seconds N      BENCH_WARMUP_SECONDS   discarded run before the rounds, per server (3)
 *   --connections N         BENCH_CONNECTIONS      keep-alive connections (50)
 *   --hot-urls N            BENCH_HOT_URLS         size of the hot set (10000)
 *   --memory-objects N      BENCH_MEMORY_OBJECTS   objects for the memory fit, 0 skips it (100000)
 *   --generator G           BENCH_GENERATOR        auto, wrk or node (auto: wrk, installed if possible)
 *   --cases a,b             BENCH_CASES            case ids: one-1k, hot-1k, one-100k (all)
 *   --server-cpu N          BENCH_SERVER_CPU       CPU the servers are pinned to (0)
 *   --generator-cpu N       BENCH_GENERATOR_CPU    CPU the generator, origin and harness use (1)
 *   --out PATH              BENCH_OUT              JSON results (loadtests/bench/results.json)
 *   --against DIR           BENCH_AGAINST          the hit-path baseline is the edge built in DIR (another
 *                                                  checkout, e.g. main's, after its `npm run build`) instead of
 *                                                  the plain node:http server: "no drop against main" in one run
 *
 *   BENCH_CLUSTER=0 skips the cluster hit-ratio model; BENCH_CLUSTER_* options as in cluster-hit-ratio.ts
 *   BENCH_PURGE=0 skips the purge propagation bench; BENCH_PURGE_* options as in purge-propagation.ts;
 *   BENCH_PURGE_BASELINE_DIST=<another build's dist> also runs it against that build, alternately, and prints both
 *   BENCH_SIM=0 skips the simulator speed bench; BENCH_SIM_SECONDS simulated seconds (60)
 *   BENCH_PEERHOP=0 skips the peer hop bench; BENCH_PEERHOP_* options as in peer-hop.ts
 *
 * Ends with one summary table (every number, its target, met or MISSED) and writes it, with every
 * detail, to the JSON file. `node dist/loadtests/bench/spread.js a.json b.json c.json` compares runs.
 *
 * Quick run: BENCH_SECONDS=3 BENCH_WARMUP_SECONDS=1 BENCH_MEMORY_OBJECTS=20000 BENCH_CLUSTER_KEYS=100000 \
 *   BENCH_CLUSTER_REQUESTS=200000 BENCH_CLUSTER_WARMUP_REQUESTS=100000 BENCH_PURGE_COUNT=200 BENCH_PURGE_SECONDS=3 \
 *   BENCH_SIM_SECONDS=10 npm run bench
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatClusterReport, readClusterBenchOptions, runClusterHitRatioBench, type ClusterResult } from './cluster-hit-ratio.js';
import { benchCases, runCase, verifyCase, warm, type CaseRun, type Target } from './hit-path.js';
import type { GeneratorKind, LoadRun } from './load.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { formatPeerHopReport, peerHopFigures, readPeerHopOptions, runPeerHopBench, type PeerHopResult } from './peer-hop.js';
import { formatPurgeReport, readPurgeBenchOptions, runPurgeBench, type PurgeBenchResult } from './purge-propagation.js';
import { comparePurgeBench } from './purge-compare.js';
import { killAllChildren, onPath, pinSelf, spawnProcess, stopProcess, waitForLine, type Spawned } from './processes.js';
import { foreignCorePercent, formatHitTable, formatMachine, formatMemoryLine, generatorLimited, parseCpuModel, ratio, type CaseSummary, type Machine } from './report.js';
import { clusterRows, formatSummaryTable, hitPathRows, memoryRows, peerHopRows, purgeRows, simRows, type SimFigures } from './summary.js';
import { ensureWrk } from './wrk.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/loadtests/bench
const ROOT = resolve(HERE, '..', '..', '..');
const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

interface Options {
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  connections: number;
  hotUrls: number;
  memoryObjects: number;
  generator: 'auto' | GeneratorKind;
  cases: string[] | undefined;
  serverCpu: number;
  generatorCpu: number;
  out: string;
  /** Root of another built checkout whose edge is the hit-path baseline; undefined: the plain server. */
  against: string | undefined;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      'warmup-seconds': { type: 'string' },
      connections: { type: 'string' },
      'hot-urls': { type: 'string' },
      'memory-objects': { type: 'string' },
      generator: { type: 'string' },
      cases: { type: 'string' },
      'server-cpu': { type: 'string' },
      'generator-cpu': { type: 'string' },
      out: { type: 'string' },
      against: { type: 'string' },
    },
  });
  const env = process.env;
  const num = (flag: string | undefined, envName: string, dflt: number, min: number): number => {
    const raw = flag ?? env[envName];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${envName} / --${envName.slice(6).toLowerCase().replaceAll('_', '-')}: expected an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const generator = values.generator ?? env['BENCH_GENERATOR'] ?? 'auto';
  if (generator !== 'auto' && generator !== 'wrk' && generator !== 'node') throw new Error(`BENCH_GENERATOR / --generator: expected auto, wrk or node, got ${JSON.stringify(generator)}`);
  const cases = values.cases ?? env['BENCH_CASES'];
  return {
    seconds: num(values.seconds, 'BENCH_SECONDS', 20, 1),
    rounds: num(values.rounds, 'BENCH_ROUNDS', 5, 1),
    warmupSeconds: num(values['warmup-seconds'], 'BENCH_WARMUP_SECONDS', 3, 0),
    connections: num(values.connections, 'BENCH_CONNECTIONS', 50, 1),
    hotUrls: num(values['hot-urls'], 'BENCH_HOT_URLS', 10_000, 2),
    memoryObjects: num(values['memory-objects'], 'BENCH_MEMORY_OBJECTS', 100_000, 0),
    generator,
    cases: cases === undefined || cases === '' ? undefined : cases.split(',').map((s) => s.trim()),
    serverCpu: num(values['server-cpu'], 'BENCH_SERVER_CPU', 0, 0),
    generatorCpu: num(values['generator-cpu'], 'BENCH_GENERATOR_CPU', 1, 0),
    out: resolve(values.out ?? env['BENCH_OUT'] ?? join(ROOT, 'loadtests', 'bench', 'results.json')),
    against: againstRoot(values.against ?? env['BENCH_AGAINST']),
  };
}

function againstRoot(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const root = resolve(raw);
  if (!existsSync(join(root, 'dist', 'edge', 'main.js'))) {
    throw new Error(`BENCH_AGAINST / --against: ${root}/dist/edge/main.js does not exist; run \`npm run build\` in that checkout first`);
  }
  return root;
}

function machine(): Machine {
  let cpuModel = 'unknown';
  try {
    cpuModel = parseCpuModel(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    // Not Linux: the bench needs /proc anyway and fails later with a clearer message.
  }
  return { nproc: availableParallelism(), cpuModel, node: process.version, kernel: release() };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function startServer(name: string, cpu: number | undefined, script: string, args: string[], root = ROOT): Promise<{ proc: Spawned; url: string }> {
  const proc = spawnProcess({ name, cpu, command: process.execPath, args: [join(root, 'dist', script), ...args] });
  const m = await waitForLine(proc, LISTENING, 15_000);
  return { proc, url: `http://127.0.0.1:${m[1]}` };
}

function summarize(run: CaseRun): CaseSummary {
  const pick = (name: 'baseline' | 'edge'): LoadRun => {
    const r = run.runs.find((x) => x.target === name);
    if (r === undefined) throw new Error(`case ${run.case.id} has no ${name} run`);
    return r.measured;
  };
  const t = (r: LoadRun) => ({
    requestsPerSec: r.requestsPerSec,
    latencyUsP99: r.result.latencyUsP99,
    serverCpuPercent: r.serverCpuPercent,
    generatorCpuPercent: r.generatorCpuPercent,
    coreBusyPercent: r.serverCore?.busyPercent ?? NaN,
    coreSoftirqPercent: r.serverCore?.softirqPercent ?? NaN,
  });
  return { label: run.case.label, baseline: t(pick('baseline')), edge: t(pick('edge')) };
}

async function main(): Promise<void> {
  const o = readOptions();
  const m = machine();
  const startedAt = new Date();
  const timings = { hitPathSeconds: 0, peerHopSeconds: 0, purgeSeconds: 0, simSeconds: 0, clusterSeconds: 0 };
  const cases = benchCases(o.hotUrls).filter((c) => o.cases === undefined || o.cases.includes(c.id));
  if (cases.length === 0) throw new Error(`no case matches ${o.cases?.join(',')}; ids: ${benchCases(o.hotUrls).map((c) => c.id).join(', ')}`);

  process.stdout.write(`edgeworks bench ${startedAt.toISOString()}\n${formatMachine(m)}\n`);
  process.stdout.write(`options: ${JSON.stringify({ ...o, out: undefined })}\n`);

  const pinning = onPath('taskset') && m.nproc >= 2;
  if (!pinning) log(`bench: WARNING no pinning (${m.nproc} CPUs, taskset ${onPath('taskset') ? 'present' : 'missing'}); server and generator share CPUs`);
  const serverCpu = pinning ? o.serverCpu : undefined;
  const generatorCpu = pinning ? o.generatorCpu : undefined;
  // Keep the harness's own sampling and fills off the server's CPU.
  if (generatorCpu !== undefined && !pinSelf(generatorCpu)) log('bench: could not pin the harness itself');

  let generator: GeneratorKind;
  let generatorNote: string;
  if (o.generator === 'node') {
    generator = 'node';
    generatorNote = 'node generator (may be the limit): forced by BENCH_GENERATOR=node';
  } else {
    const wrk = ensureWrk(log);
    if (wrk.available) {
      generator = 'wrk';
      generatorNote = `wrk ${wrk.version}${wrk.installed ? ' (installed by this run)' : ''}, 1 thread, ${o.connections} connections`;
    } else if (o.generator === 'wrk') {
      throw new Error(`BENCH_GENERATOR=wrk but ${wrk.reason}`);
    } else {
      generator = 'node';
      generatorNote = `node generator (may be the limit): undici Pool, ${o.connections} connections, pipelining 1; ${wrk.reason}`;
    }
  }
  process.stdout.write(`generator: ${generatorNote}\n`);
  process.stdout.write(
    `pinning: ${pinning ? `servers on CPU ${serverCpu}, generator/origin/harness on CPU ${generatorCpu}` : 'none'}; ${o.seconds}s measured per case and server in ${o.rounds} interleaved rounds, after ${o.warmupSeconds}s warm-up\n`,
  );

  const tempDir = mkdtempSync(join(tmpdir(), 'edgeworks-bench-'));
  process.on('exit', () => rmSync(tempDir, { recursive: true, force: true }));

  // Hit path: one origin, one baseline, one edge, all on loopback.
  const origin = await startServer('origin', generatorCpu, 'origin/main.js', ['--port', '0', '--host', '127.0.0.1']);
  const edgeArgs = ['--port', '0', '--host', '127.0.0.1', '--origin', origin.url];
  const plain =
    o.against === undefined
      ? await startServer('plain-server', serverCpu, 'loadtests/bench/plain-server.js', ['--port', '0', '--origin', origin.url])
      : await startServer('edge-against', serverCpu, 'edge/main.js', edgeArgs, o.against);
  const edge = await startServer('edge', serverCpu, 'edge/main.js', edgeArgs);
  const baselineLabel = o.against === undefined ? 'plain node:http server' : `the edge built in ${o.against}`;
  process.stdout.write(`hit-path baseline: ${baselineLabel}\n`);
  log(`bench: origin ${origin.url}, baseline ${plain.url}, edge ${edge.url}`);

  for (const c of cases) {
    await warm(plain.url, c);
    await warm(edge.url, c);
    const v = await verifyCase(edge.url, plain.url, c);
    log(`bench: ${c.id}: warmed ${c.set.kind === 'hot' ? c.set.count : 1} URLs; ${v.checked} sampled are edge hits with the baseline's bytes`);
  }

  const baseline: Target = { name: 'baseline', baseUrl: plain.url, pid: plain.proc.pid };
  const edgeTarget: Target = { name: 'edge', baseUrl: edge.url, pid: edge.proc.pid };
  const runs: CaseRun[] = [];
  for (const c of cases) {
    // runCase flips who goes first every round, so drift over the run does not favour one side.
    runs.push(
      await runCase(c, [baseline, edgeTarget], {
        load: { generator, nodeGeneratorScript: join(ROOT, 'dist/loadtests/bench/node-generator.js'), tempDir, connections: o.connections, generatorCpu, serverCpu },
        warmupSeconds: o.warmupSeconds,
        seconds: o.seconds,
        rounds: o.rounds,
        originUrl: origin.url,
        log,
      }),
    );
    await verifyCase(edge.url, plain.url, c); // still hits afterwards
  }
  await Promise.all([stopProcess(plain.proc), stopProcess(edge.proc)]);

  const summaries = runs.map(summarize);
  const disturbed = summaries.flatMap((s) =>
    (['baseline', 'edge'] as const).filter((t) => foreignCorePercent(s[t]) > 10).map((t) => `${s.label} ${t} (${foreignCorePercent(s[t]).toFixed(0)}%)`),
  );
  const limited = summaries.flatMap((s) =>
    (['baseline', 'edge'] as const).filter((t) => generatorLimited(s[t].generatorCpuPercent, s[t].serverCpuPercent)).map((t) => `${s.label} ${t}`),
  );

  // Memory: fresh servers (pinned as before), a cache big enough to evict nothing.
  const memory: MemoryResult[] = [];
  if (o.memoryObjects > 0) {
    const memOpts = { objects: o.memoryObjects, steps: 4, warmInObjects: 2_000, bodyBytes: 1024, settleMs: 1_000, log };
    const memEdge = await startServer('edge-memory', serverCpu, 'edge/main.js', ['--port', '0', '--origin', origin.url, '--cache-max-bytes', '2000000000']);
    memory.push(await measureMemory({ ...memOpts, server: 'edge', baseUrl: memEdge.url, pid: memEdge.proc.pid }));
    await stopProcess(memEdge.proc);
    const memPlain = await startServer('plain-memory', serverCpu, 'loadtests/bench/plain-server.js', ['--port', '0', '--origin', origin.url]);
    memory.push(await measureMemory({ ...memOpts, server: 'baseline', baseUrl: memPlain.url, pid: memPlain.proc.pid }));
    await stopProcess(memPlain.proc);
  }
  await stopProcess(origin.proc);
  timings.hitPathSeconds = (Date.now() - startedAt.getTime()) / 1000;

  process.stdout.write(`\n${formatHitTable(summaries)}\n`);
  for (const r of runs) {
    process.stdout.write(`round by round, edge/baseline req/s, ${r.case.label}: ${r.roundRatios.map((x) => `${x.toFixed(2)}x`).join(' ')}\n`);
  }
  const p99Source = generator === 'wrk' ? "wrk's histogram via the Lua done()" : "the node generator's histogram";
  process.stdout.write(`ratio = edge / baseline; p99 from ${p99Source}; CPU % of one CPU from /proc/<pid>/stat utime+stime over the run;\n` +
      `server core busy % = the server's whole CPU from /proc/stat (any process, softirq, steal)\n`);
  if (generator === 'node') process.stdout.write('NOTE: node generator (may be the limit): these numbers understate both servers\n');
  if (limited.length > 0) process.stdout.write(`NOTE: generator near 100% CPU while the server was not, so the generator may be the limit for: ${limited.join('; ')}\n`);
  if (disturbed.length > 0) process.stdout.write(`NOTE: other processes used the server's CPU (busy - server - softirq > 10%), rerun on a quiet machine: ${disturbed.join('; ')}\n`);
  for (const mem of memory) process.stdout.write(`${formatMemoryLine(mem, 1024)}\n`);
  const edgeMem = memory.find((x) => x.server === 'edge');
  const plainMem = memory.find((x) => x.server === 'baseline');
  if (edgeMem !== undefined && plainMem !== undefined) {
    process.stdout.write(`memory ratio edge/baseline per object: ${ratio(edgeMem.kibPerObject, plainMem.kibPerObject).toFixed(2)}x\n`);
  }

  // Peer hop: origin and a ring of two edges as children on the server CPU, one client here.
  let peerHop: PeerHopResult | undefined;
  let peerHopNote = 'skipped (BENCH_PEERHOP=0)';
  if (process.env['BENCH_PEERHOP'] !== '0') {
    process.stdout.write('\nbench: peer hop (origin, edges e1 and e2 in a ring as children; direct hits on e2 against hits via e1)\n');
    const peerHopStarted = performance.now();
    try {
      peerHop = await runPeerHopBench(readPeerHopOptions(process.env), { serverCpu, harnessCpu: generatorCpu, log });
      process.stdout.write(`${formatPeerHopReport(peerHop)}\n`);
    } catch (err) {
      peerHopNote = `failed: ${err instanceof Error ? err.message : String(err)}`;
      process.stdout.write(`peer hop bench ${peerHopNote}\n`);
    }
    timings.peerHopSeconds = (performance.now() - peerHopStarted) / 1000;
  }

  // Purge propagation: the control plane as a child on the server CPU, ten edges with the real
  // control client in this process (on the generator CPU).
  let purge: PurgeBenchResult | undefined;
  let purgeNote = 'skipped (BENCH_PURGE=0)';
  if (process.env['BENCH_PURGE'] !== '0') {
    process.stdout.write('\nbench: purge propagation (cdn-control-plane child, edges with the real ControlClient in this process)\n');
    const purgeStarted = performance.now();
    try {
      purge = await runPurgeBench(readPurgeBenchOptions(process.env), { controlPlaneCpu: serverCpu, harnessCpu: generatorCpu, log });
      process.stdout.write(`${formatPurgeReport(purge)}\n`);
      // Issue 13: the same purge bench against a baseline build, alternating, both printed.
      const baseline = process.env['BENCH_PURGE_BASELINE_DIST'];
      if (baseline !== undefined && baseline !== '') {
        const rounds = Number(process.env['BENCH_PURGE_COMPARE_ROUNDS'] ?? 2);
        const compared = await comparePurgeBench(readPurgeBenchOptions(process.env), { controlPlaneCpu: serverCpu, harnessCpu: generatorCpu, log }, resolve(baseline), rounds);
        process.stdout.write(`${compared.text}\n`);
      }
    } catch (err) {
      // A broken control plane must not cost the numbers already measured.
      purgeNote = `failed: ${err instanceof Error ? err.message : String(err)}`;
      process.stdout.write(`purge bench ${purgeNote}\n`);
    }
    timings.purgeSeconds = (performance.now() - purgeStarted) / 1000;
  }

  // Simulator speed, when the simulator provides it (sim/bench.ts); run in this process, pinned.
  const simulatedSeconds = Number(process.env['BENCH_SIM_SECONDS'] ?? 60);
  if (!(simulatedSeconds > 0)) throw new Error(`BENCH_SIM_SECONDS: expected a number > 0, got ${JSON.stringify(process.env['BENCH_SIM_SECONDS'])}`);
  let sim: (SimFigures & Record<string, unknown>) | undefined;
  let simNote = 'skipped (BENCH_SIM=0)';
  if (process.env['BENCH_SIM'] !== '0') {
    process.stdout.write(`\nbench: simulator speed (sim/bench.js runSimBench, ${simulatedSeconds} simulated seconds)\n`);
    const simStarted = performance.now();
    const loaded = await runSimBenchIfPresent(simulatedSeconds);
    timings.simSeconds = (performance.now() - simStarted) / 1000;
    if (loaded.kind === 'ok') {
      sim = loaded.result;
      process.stdout.write(`${JSON.stringify(sim)}\n`);
    } else {
      simNote = loaded.note;
      process.stdout.write(`simulator bench ${simNote}\n`);
    }
  }

  // The cluster model runs in this process: it measures routing policy (hit ratio, origin
  // requests), not speed, so it needs no pinning and no second process.
  let cluster: ClusterResult | undefined;
  if (process.env['BENCH_CLUSTER'] !== '0') {
    process.stdout.write('\nbench: cluster hit ratio (model of the ring over the real ResponseStore and Ring)\n');
    const clusterStarted = performance.now();
    cluster = runClusterHitRatioBench(readClusterBenchOptions([], process.env));
    timings.clusterSeconds = (performance.now() - clusterStarted) / 1000;
    process.stdout.write(`${formatClusterReport(cluster)}\n`);
  }

  const summary = [
    ...hitPathRows(
      summaries.map((sm, i) => ({
        id: runs[i]!.case.id,
        label: sm.label,
        bodyBytes: runs[i]!.case.bodyBytes,
        rpsRatio: ratio(sm.edge.requestsPerSec, sm.baseline.requestsPerSec),
        edgeP99Ms: sm.edge.latencyUsP99 / 1000,
        baselineP99Ms: sm.baseline.latencyUsP99 / 1000,
      })),
    ),
    ...memoryRows(edgeMem?.kibPerObject, plainMem?.kibPerObject),
    ...clusterRows(
      cluster === undefined
        ? undefined
        : { clusterHitRatio: cluster.cluster.hitRatio, clusterOverIdealHitRatio: cluster.clusterOverIdealHitRatio, clusterOverIndependentOrigin: cluster.clusterOverIndependentOrigin },
    ),
    ...peerHopRows(peerHop === undefined ? undefined : peerHopFigures(peerHop), peerHopNote),
    ...purgeRows(
      purge === undefined
        ? undefined
        : {
            edges: purge.options.edges,
            p50Ms: purge.sequential.fromAcceptedMs.p50,
            p99Ms: purge.sequential.fromAcceptedMs.p99,
            maxMs: purge.sequential.fromAcceptedMs.max,
            fromPostP99Ms: purge.sequential.fromPostMs.p99,
            sustained:
              purge.sustained === null
                ? null
                : { purgesPerSecond: purge.sustained.acceptedPerSecond, lagGrowing: purge.sustained.lag.growing, lagMax: purge.sustained.lag.max },
            orderViolations: purge.orderViolations,
          },
      purgeNote,
    ),
    ...simRows(sim, simNote),
  ];
  const finishedAt = new Date();
  const durationSeconds = (finishedAt.getTime() - startedAt.getTime()) / 1000;
  process.stdout.write(`\n== summary (${formatMachine(m)}) ==\n${formatSummaryTable(summary)}\n`);
  const missed = summary.filter((r) => r.verdict === 'MISSED').length;
  process.stdout.write(
    `${missed === 0 ? 'every target met' : `${missed} target${missed === 1 ? '' : 's'} MISSED`}; bench took ${durationSeconds.toFixed(0)} s ` +
      `(hit path + memory ${timings.hitPathSeconds.toFixed(0)} s, peer hop ${timings.peerHopSeconds.toFixed(0)} s, purge ${timings.purgeSeconds.toFixed(0)} s, simulator ${timings.simSeconds.toFixed(0)} s, cluster ${timings.clusterSeconds.toFixed(0)} s)\n`,
  );

  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds,
    timings,
    machine: m,
    options: { ...o, out: undefined },
    generator: { kind: generator, note: generatorNote },
    pinning: { serverCpu: serverCpu ?? null, generatorCpu: generatorCpu ?? null },
    summary,
    cases: runs.map((r, i) => ({
      id: r.case.id,
      label: r.case.label,
      bodyBytes: r.case.bodyBytes,
      urls: r.case.set.kind === 'hot' ? r.case.set.count : 1,
      summary: summaries[i],
      ratios: {
        requestsPerSec: ratio(summaries[i]!.edge.requestsPerSec, summaries[i]!.baseline.requestsPerSec),
        latencyP99: ratio(summaries[i]!.edge.latencyUsP99, summaries[i]!.baseline.latencyUsP99),
        requestsPerSecByRound: r.roundRatios,
      },
      runs: r.runs,
    })),
    generatorLimited: limited,
    disturbed,
    memory,
    cluster: cluster ?? null,
    peerHop: peerHop ?? { skipped: peerHopNote },
    purge: purge ?? { skipped: purgeNote },
    sim: sim ?? { skipped: simNote },
  };
  writeFileSync(o.out, `${JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  process.stdout.write(`results: ${o.out}\n`);
}

type SimLoad = { kind: 'ok'; result: SimFigures & Record<string, unknown> } | { kind: 'skipped'; note: string };

/**
 * sim/bench.js is optional and owned by the simulator: import it by path at run time, and turn a
 * missing file, a missing export or a throw into a note rather than a failed bench.
 */
async function runSimBenchIfPresent(simulatedSeconds: number): Promise<SimLoad> {
  const path = join(ROOT, 'dist', 'sim', 'bench.js');
  if (!existsSync(path)) return { kind: 'skipped', note: 'skipped: dist/sim/bench.js not found' };
  try {
    const mod = (await import(pathToFileURL(path).href)) as { runSimBench?: unknown };
    if (typeof mod.runSimBench !== 'function') return { kind: 'skipped', note: 'skipped: sim/bench.js does not export runSimBench' };
    const result = (await (mod.runSimBench as (o: { simulatedSeconds: number }) => Promise<unknown>)({ simulatedSeconds })) as Record<string, unknown>;
    const num = (k: string): number => (typeof result[k] === 'number' ? (result[k] as number) : NaN);
    return {
      kind: 'ok',
      result: {
        ...result,
        simulatedRequestsPerWallSecond: num('simulatedRequestsPerWallSecond'),
        simulatedToWallRatio: num('simulatedToWallRatio'),
        checkersPassed: result['checkersPassed'] === true,
        realCodeOnlyRequestsPerWallSecond: num('realCodeOnlyRequestsPerWallSecond'),
      },
    };
  } catch (err) {
    return { kind: 'skipped', note: `skipped: runSimBench threw: ${err instanceof Error ? err.message : String(err)}` };
  }
}

main().then(
  () => {
    killAllChildren();
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killAllChildren();
    process.exit(1);
  },
);

