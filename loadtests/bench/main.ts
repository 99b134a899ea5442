#!/usr/bin/env node
/**
 * `npm run bench`: cache-HIT throughput and p99 of the edge against nginx (proxy_cache) and
 * Varnish when they are installed (`apt-get install nginx varnish`; configs in peers/), and a
 * plain node:http server holding the same bytes in a Map (info row), plus memory per cached
 * object for the edge and nginx. Every server listens on 127.0.0.1; every child is killed on exit.
 * The target figure is the median of per-round edge/nginx req/s ratios, every round printed.
 *
 * Options (flag or env; flags win):
 *   --seconds N             BENCH_SECONDS          measured seconds per case and server, over the rounds (20)
 *   --rounds N              BENCH_ROUNDS           interleaved baseline/edge rounds per case (5)
 *   --warmup-seconds N      BENCH_WARMUP_SECONDS   discarded run before the rounds, per server (3)
 *   --connections N         BENCH_CONNECTIONS      keep-alive connections (50)
 *   --hot-urls N            BENCH_HOT_URLS         size of the hot set (10000)
 *   --memory-objects N      BENCH_MEMORY_OBJECTS   objects for the memory fit, 0 skips it (100000)
 *   --generator G           BENCH_GENERATOR        auto, wrk or node (auto: wrk, installed if possible)
 *   --cases a,b             BENCH_CASES            case ids: one-1k, hot-1k, one-100k, browser-1k (all)
 *   --edge-http-server K    BENCH_EDGE_HTTP_SERVER the edge's client-side layer: own or node (the edge's default)
 *   --peers a,b             BENCH_PEERS            peers to run when installed: nginx, varnish (both); "none" skips them
 *   --server-cpu N          BENCH_SERVER_CPU       CPU the servers are pinned to (0)
 *   --generator-cpu N       BENCH_GENERATOR_CPU    CPU the generator, origin and harness use (1)
 *   --out PATH              BENCH_OUT              JSON results (loadtests/bench/results.json)
 *   --against DIR           BENCH_AGAINST          the hit-path baseline is the edge built in DIR (another
 *                                                  checkout, e.g. main's, after its `npm run build`) instead of
 *                                                  the plain node:http server: "no drop against main" in one run
 *   --edge-node-flags=F     BENCH_EDGE_NODE_FLAGS  extra node flags for the hit-path and memory edges, e.g.
 *                                                  --edge-node-flags=--trace-gc (the = form: F starts with --) (none)
 *   --against-node-flags=F  BENCH_AGAINST_NODE_FLAGS the --against edge's extra node flags instead of --edge-node-flags,
 *                                                  given even when empty: an A/B of node flags on one build is
 *                                                  --against=. --edge-node-flags=--single-threaded-gc --against-node-flags=
 *   --server-logs DIR       BENCH_SERVER_LOGS      append the output of the node servers the hit-path and memory
 *                                                  sections start (edges, origin, plain server) to DIR/<name>.log,
 *                                                  e.g. the edge's --trace-gc lines, to see what lands in a p99
 *
 *   BENCH_CLUSTER=0 skips the cluster hit-ratio model; BENCH_CLUSTER_* options as in cluster-hit-ratio.ts
 *   BENCH_PURGE=0 skips the purge propagation bench; BENCH_PURGE_* options as in purge-propagation.ts;
 *   BENCH_PURGE_BASELINE_DIST=<another build's dist> also runs that build's control plane beside this one's, blocks
 *   and windows taken in turn, and prints both (purge-compare.ts, BENCH_PURGE_COMPARE_*)
 *   BENCH_SIM=0 skips the simulator speed bench; BENCH_SIM_SECONDS simulated seconds (60) per round, BENCH_SIM_ROUNDS rounds (5)
 *   BENCH_PEERHOP=0 skips the peer hop bench; BENCH_PEERHOP_* options as in peer-hop.ts
 *   BENCH_MEMBERSHIP=0 skips the join/leave/rolling-restart rows; BENCH_MEMBERSHIP_SEEDS simulator seeds (3)
 *   BENCH_RING=0 skips the ring rebuild at the maximum membership (ring-rebuild.ts)
 *   BENCH_ACCESS_LOG=0 skips the edge with --access-log FILE that the hit-path rounds run next to the
 *   edge without it (issue 18: logging on >= 0.9 of off, median of per-round ratios). Alone:
 *   BENCH_CASES=one-1k BENCH_PEERS=none BENCH_MEMORY_OBJECTS=0 BENCH_PEERHOP=0 BENCH_PURGE=0 BENCH_SIM=0
 *   BENCH_MEMBERSHIP=0 BENCH_CLUSTER=0 BENCH_RING=0 npm run bench
 *
 * Ends with one summary table (every number, its target, met or MISSED) and writes it, with every
 * detail, to the JSON file. `node dist/loadtests/bench/spread.js a.json b.json c.json` compares runs.
 *
 * Quick run: BENCH_SECONDS=3 BENCH_WARMUP_SECONDS=1 BENCH_MEMORY_OBJECTS=20000 BENCH_CLUSTER_KEYS=100000 \
 *   BENCH_CLUSTER_REQUESTS=200000 BENCH_CLUSTER_WARMUP_REQUESTS=100000 BENCH_PURGE_COUNT=200 BENCH_PURGE_SECONDS=3 \
 *   BENCH_SIM_SECONDS=10 npm run bench
 */
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatClusterReport, readClusterBenchOptions, runClusterHitRatioBench, type ClusterResult } from './cluster-hit-ratio.js';
import { withEdgeMallocTuning } from '../../edge/malloc-tuning.js';
import { semiSpaceFlagsFromEnv } from '../../edge/young-generation.js';
import { parseEdgeNodeFlags } from './edge-node-flags.js';
import { againstRoot, edgeHelpText, optionsKnownTo } from './against-edge.js';
import { benchCases, medianP99Ratio, medianRatio, roundRatios, runCase, verifyCase, verifyPeer, warm, type CaseRun, type Target, type TargetName } from './hit-path.js';
import type { GeneratorKind, LoadRun } from './load.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { allocatedBytes, peerAvailability, startNginx, startVarnish, type Peer, type PeerName } from './peers.js';
import { formatPeerHopComparison, formatPeerHopReport, peerHopFigures, readPeerHopOptions, runPeerHopBench, runPeerHopBenches, type PeerHopResult } from './peer-hop.js';
import { formatPurgeReport, readPurgeBenchOptions, runPurgeBench, type PurgeBenchResult } from './purge-propagation.js';
import { comparePurgeBench, readPurgeCompareOptions } from './purge-compare.js';
import { killAllChildren, onPath, pinSelf, spawnProcess, stopProcess, waitForLine, type Spawned } from './processes.js';
import { foreignCorePercent, formatHitTable, formatMachine, formatMemoryLine, formatRoundLine, generatorLimited, parseCpuModel, ratio, type HitTableLine, type Machine, type TargetSummary } from './report.js';
import { formatRingRebuildReport, ringRebuildRows, runRingRebuildBench, type RingRebuildResult } from './ring-rebuild.js';
import { accessLogRows, clusterRows, formatSummaryTable, hitPathRows, membershipRows, memoryRows, peerHopRows, purgeRows, simRows, type MembershipFigure, type SimFigures } from './summary.js';
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
  peers: PeerName[];
  /** Passed to the edge as --http-server; undefined: the edge's default. */
  edgeHttpServer: 'own' | 'node' | undefined;
  /** Root of another built checkout whose edge is the hit-path baseline; undefined: the plain server. */
  against: string | undefined;
  /** Extra node flags for the edges startServer starts (hit path, memory; edge-node-flags.ts); none in a published run. */
  edgeNodeFlags: string[];
  /** Extra node flags for the --against edge; undefined: edgeNodeFlags. */
  againstNodeFlags: string[] | undefined;
  /** Directory where the output of each node server startServer starts is appended to <name>.log; undefined: kept in memory only. */
  serverLogs: string | undefined;
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
      peers: { type: 'string' },
      'edge-http-server': { type: 'string' },
      against: { type: 'string' },
      'edge-node-flags': { type: 'string' },
      'against-node-flags': { type: 'string' },
      'server-logs': { type: 'string' },
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
  const peersRaw = values.peers ?? env['BENCH_PEERS'] ?? 'nginx,varnish';
  const peers = peersRaw === 'none' || peersRaw === '' ? [] : peersRaw.split(',').map((x) => x.trim());
  for (const p of peers) if (p !== 'nginx' && p !== 'varnish') throw new Error(`BENCH_PEERS / --peers: expected nginx, varnish or none, got ${JSON.stringify(p)}`);
  const against = againstRoot(values.against ?? env['BENCH_AGAINST'], 'BENCH_AGAINST / --against');
  const againstNodeFlags = againstFlags(values['against-node-flags'] ?? env['BENCH_AGAINST_NODE_FLAGS']);
  if (againstNodeFlags !== undefined && against === undefined) {
    throw new Error('BENCH_AGAINST_NODE_FLAGS / --against-node-flags: there is no --against edge to give them to; add --against DIR (--against=. for this build)');
  }
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
    peers: peers as PeerName[],
    edgeHttpServer: edgeHttpServer(values['edge-http-server'] ?? env['BENCH_EDGE_HTTP_SERVER']),
    against,
    edgeNodeFlags: extraEdgeFlags(values['edge-node-flags'] ?? env['BENCH_EDGE_NODE_FLAGS']),
    againstNodeFlags,
    serverLogs: serverLogDir(values['server-logs'] ?? env['BENCH_SERVER_LOGS']),
  };
}

function edgeHttpServer(raw: string | undefined): 'own' | 'node' | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'own' && raw !== 'node') throw new Error(`BENCH_EDGE_HTTP_SERVER / --edge-http-server: expected own or node, got ${JSON.stringify(raw)}`);
  return raw;
}

function extraEdgeFlags(raw: string | undefined): string[] {
  const parsed = parseEdgeNodeFlags(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.flags;
}

/** Given (even as ''): the --against edge's own extra flags; not given: undefined. */
function againstFlags(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const parsed = parseEdgeNodeFlags(raw, 'BENCH_AGAINST_NODE_FLAGS / --against-node-flags');
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.flags;
}

function serverLogDir(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const dir = resolve(raw);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`BENCH_SERVER_LOGS / --server-logs: ${dir} is not a directory; create it first`);
  return dir;
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

/**
 * The edge's young generation, as `cdn-edge`'s `#!` line and `npm start` set it
 * (EDGE_SEMI_SPACE_MIB changes it here too): the bench measures the edge an operator runs.
 * Then the extra flags: --against-node-flags for the --against edge (AGAINST_EDGE) when given,
 * else --edge-node-flags.
 */
function edgeNodeFlags(o: Options, name = 'edge'): string[] {
  const extra = name === AGAINST_EDGE ? (o.againstNodeFlags ?? o.edgeNodeFlags) : o.edgeNodeFlags;
  return [...semiSpaceFlagsFromEnv(process.env), ...extra];
}

/** startServer's name for the --against build's edge. */
const AGAINST_EDGE = 'edge-against';

async function startServer(o: Options, name: string, cpu: number | undefined, script: string, args: string[], root = ROOT): Promise<{ proc: Spawned; url: string }> {
  const nodeFlags = script === 'edge/main.js' ? edgeNodeFlags(o, name) : [];
  const logFile = o.serverLogs === undefined ? undefined : join(o.serverLogs, `${name}.log`);
  // Edges, of either build, get the malloc settings the edge's launchers give (malloc-tuning.ts), as they get its semi-spaces.
  const env = script === 'edge/main.js' ? withEdgeMallocTuning(process.env) : process.env;
  const proc = spawnProcess({ name, cpu, command: process.execPath, args: [...nodeFlags, join(root, 'dist', script), ...args], env, ...(logFile === undefined ? {} : { logFile }) });
  const m = await waitForLine(proc, LISTENING, 15_000);
  return { proc, url: `http://127.0.0.1:${m[1]}` };
}

function summarize(r: LoadRun): TargetSummary {
  return {
    requestsPerSec: r.requestsPerSec,
    latencyUsP99: r.result.latencyUsP99,
    serverCpuPercent: r.serverCpuPercent,
    generatorCpuPercent: r.generatorCpuPercent,
    coreBusyPercent: r.serverCore?.busyPercent ?? NaN,
    coreSoftirqPercent: r.serverCore?.softirqPercent ?? NaN,
  };
}

/** CPU per request of `num` over `den` over the whole run (server CPU % / req/s); null when either did not run. */
function cpuPerRequestRatio(run: CaseRun, num: TargetName, den: TargetName): number | null {
  const a = run.runs.find((t) => t.target === num)?.measured;
  const b = run.runs.find((t) => t.target === den)?.measured;
  if (a === undefined || b === undefined) return null;
  return a.serverCpuPercent / a.requestsPerSec / (b.serverCpuPercent / b.requestsPerSec);
}

/** The server every ratio is taken against: nginx when it ran, else the baseline. */
function reference(run: CaseRun): TargetName {
  return run.runs.some((r) => r.target === 'nginx') ? 'nginx' : 'baseline';
}

function hitTableLines(runs: readonly CaseRun[]): HitTableLine[] {
  return runs.flatMap((run) => {
    const ref = reference(run);
    return run.runs.map((t) => ({
      label: run.case.label,
      target: t.target,
      summary: summarize(t.measured),
      medianRatio: t.target === ref ? NaN : medianRatio(run, t.target, ref),
    }));
  });
}

async function startPeers(o: Options, originUrl: string, cpu: number | undefined, tempDir: string): Promise<{ peers: Peer[]; note: string }> {
  const available = peerAvailability();
  const peers: Peer[] = [];
  const notes: string[] = [];
  const configDir = join(ROOT, 'loadtests', 'bench', 'peers');
  // The cache on tmpfs, as a production nginx in front of RAM would be configured; /dev/shm is one.
  const cacheRoot = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/edgeworks-bench-') : undefined;
  if (cacheRoot !== undefined) process.on('exit', () => rmSync(cacheRoot, { recursive: true, force: true }));
  for (const name of o.peers) {
    if (!available[name]) {
      notes.push(`${name} not installed (apt-get install ${name})`);
      continue;
    }
    const start = name === 'nginx' ? startNginx : startVarnish;
    try {
      peers.push(await start({ originUrl, cpu, dir: join(tempDir, name), cacheRoot, configDir }));
    } catch (err) {
      notes.push(`${name} failed to start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (o.peers.length === 0) notes.push('peers skipped (BENCH_PEERS=none)');
  return { peers, note: notes.join('; ') };
}

/** A bad option or environment value: one line naming it, exit 2, no stack. */
class OptionError extends Error {}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = readOptions();
    // The later sections' options, checked now rather than a quarter of an hour in.
    readPeerHopOptions(process.env);
    readPurgeCompareOptions(process.env);
  } catch (err) {
    throw new OptionError(err instanceof Error ? err.message : String(err));
  }
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

  // Hit path: one origin, one baseline, one edge and the installed peers, all on loopback.
  const origin = await startServer(o, 'origin', generatorCpu, 'origin/main.js', ['--port', '0', '--host', '127.0.0.1']);
  const edgeArgs = ['--port', '0', '--host', '127.0.0.1', '--origin', origin.url];
  // Filling the cache sends thousands of misses from one address: no per-client miss budget
  // (main's default is 50/s). Another --against build gets those of these options its --help lists
  // (against-edge.ts); --against=. is this build.
  const edgeLayer = ['--client-misses-per-second', '0', ...(o.edgeHttpServer === undefined ? [] : ['--http-server', o.edgeHttpServer])];
  const againstLayer = o.against === undefined || realpathSync(o.against) === realpathSync(ROOT) ? edgeLayer : optionsKnownTo(edgeHelpText(o.against), edgeLayer);
  for (let i = 0; i < edgeLayer.length; i += 2) {
    if (!againstLayer.includes(edgeLayer[i]!)) log(`bench: WARNING the --against edge's --help does not list ${edgeLayer[i]}: it runs without ${edgeLayer[i]} ${edgeLayer[i + 1]}`);
  }
  const plain =
    o.against === undefined
      ? await startServer(o, 'plain-server', serverCpu, 'loadtests/bench/plain-server.js', ['--port', '0', '--origin', origin.url])
      : await startServer(o, AGAINST_EDGE, serverCpu, 'edge/main.js', [...edgeArgs, ...againstLayer], o.against);
  const edge = await startServer(o, 'edge', serverCpu, 'edge/main.js', [...edgeArgs, ...edgeLayer]);
  // The same edge writing a JSON access line per request to a file, as an operator would run it.
  const accessLogOn = process.env['BENCH_ACCESS_LOG'] !== '0';
  const edgeLog = accessLogOn ? await startServer(o, 'edge-log', serverCpu, 'edge/main.js', [...edgeArgs, ...edgeLayer, '--access-log', join(tempDir, 'access.log')]) : undefined;
  const { peers, note: peerNote } = await startPeers(o, origin.url, serverCpu, tempDir);
  const baselineLabel = o.against === undefined ? 'plain node:http server' : `the edge built in ${o.against}`;
  process.stdout.write(`hit-path baseline: ${baselineLabel}\n`);
  process.stdout.write(`edge node flags: ${edgeNodeFlags(o).join(' ')} (EDGE_SEMI_SPACE_MIB; edge/young-generation.ts; BENCH_EDGE_NODE_FLAGS)\n`);
  if (o.against !== undefined) process.stdout.write(`--against edge node flags: ${edgeNodeFlags(o, AGAINST_EDGE).join(' ')}\n`);
  process.stdout.write(`peers: ${peers.map((p) => `${p.name} (${p.url}, serving pid ${p.servingPid})`).join(', ') || 'none'}${peerNote === '' ? '' : `; ${peerNote}`}\n`);
  log(`bench: origin ${origin.url}, baseline ${plain.url}, edge ${edge.url}`);

  const runnable = cases.filter((c) => {
    if (c.requestHeaders === undefined || generator === 'wrk') return true;
    log(`bench: ${c.id}: skipped, the node generator cannot send browser headers (install wrk)`);
    return false;
  });
  for (const c of runnable) {
    await warm(plain.url, c);
    await warm(edge.url, c);
    if (edgeLog !== undefined) await warm(edgeLog.url, c);
    for (const p of peers) await warm(p.url, c);
    const v = await verifyCase(edge.url, plain.url, c);
    if (edgeLog !== undefined) await verifyCase(edgeLog.url, plain.url, c);
    for (const p of peers) await verifyPeer(p.url, edge.url, origin.url, c);
    log(`bench: ${c.id}: warmed ${c.set.kind === 'hot' ? c.set.count : 1} URLs; ${v.checked} sampled are edge hits with the baseline's bytes${peers.length > 0 ? ` and ${peers.map((p) => p.name).join(', ')} hits with the same bodies` : ''}`);
  }

  const targets: Target[] = [
    { name: 'edge', baseUrl: edge.url, pid: edge.proc.pid },
    ...(edgeLog === undefined ? [] : [{ name: 'edge-log', baseUrl: edgeLog.url, pid: edgeLog.proc.pid } satisfies Target]),
    ...peers.map((p): Target => ({ name: p.name, baseUrl: p.url, pid: p.servingPid })),
    { name: 'baseline', baseUrl: plain.url, pid: plain.proc.pid },
  ];
  const runs: CaseRun[] = [];
  for (const c of runnable) {
    // runCase moves who goes first every round, so drift over the run does not favour one side.
    const run = await runCase(c, targets, {
      load: { generator, nodeGeneratorScript: join(ROOT, 'dist/loadtests/bench/node-generator.js'), tempDir, connections: o.connections, generatorCpu, serverCpu },
      warmupSeconds: o.warmupSeconds,
      seconds: o.seconds,
      rounds: o.rounds,
      originUrl: origin.url,
      log,
    });
    runs.push(run);
    await verifyCase(edge.url, plain.url, c); // still hits afterwards
  }
  await Promise.all([stopProcess(plain.proc), stopProcess(edge.proc), ...(edgeLog === undefined ? [] : [stopProcess(edgeLog.proc)]), ...peers.map((p) => stopProcess(p.proc))]);

  const lines = hitTableLines(runs);
  const disturbed = lines.filter((l) => foreignCorePercent(l.summary) > 10).map((l) => `${l.label} ${l.target} (${foreignCorePercent(l.summary).toFixed(0)}%)`);
  const limited = lines.filter((l) => generatorLimited(l.summary.generatorCpuPercent, l.summary.serverCpuPercent)).map((l) => `${l.label} ${l.target}`);

  // Memory: fresh servers (pinned as before), caches big enough to evict nothing.
  const memory: MemoryResult[] = [];
  if (o.memoryObjects > 0) {
    const memOpts = { objects: o.memoryObjects, steps: 4, warmInObjects: 2_000, bodyBytes: 1024, settleMs: 1_000, log };
    const memEdge = await startServer(o, 'edge-memory', serverCpu, 'edge/main.js', ['--port', '0', '--origin', origin.url, '--cache-max-bytes', '2000000000', ...edgeLayer]);
    memory.push(await measureMemory({ ...memOpts, server: 'edge', baseUrl: memEdge.url, pid: memEdge.proc.pid }));
    await stopProcess(memEdge.proc);
    if (peers.some((p) => p.name === 'nginx')) {
      const { peers: [memNginx] } = await startPeers({ ...o, peers: ['nginx'] }, origin.url, serverCpu, join(tempDir, 'memory'));
      if (memNginx !== undefined) {
        const cacheDir = memNginx.cacheDir!;
        memory.push(await measureMemory({ ...memOpts, server: 'nginx', baseUrl: memNginx.url, pid: memNginx.servingPid, outsideKiB: () => allocatedBytes(cacheDir) / 1024 }));
        await stopProcess(memNginx.proc);
      }
    }
    const memPlain = await startServer(o, 'plain-memory', serverCpu, 'loadtests/bench/plain-server.js', ['--port', '0', '--origin', origin.url]);
    memory.push(await measureMemory({ ...memOpts, server: 'baseline', baseUrl: memPlain.url, pid: memPlain.proc.pid }));
    await stopProcess(memPlain.proc);
  }
  await stopProcess(origin.proc);
  timings.hitPathSeconds = (Date.now() - startedAt.getTime()) / 1000;

  process.stdout.write(`\n${formatHitTable(lines)}\n`);
  for (const r of runs) {
    const ref = reference(r);
    process.stdout.write(`rounds, req/s, ${r.case.label}:\n`);
    const ratios = roundRatios(r, 'edge', ref);
    r.runs[0]!.rounds.forEach((_x, i) => {
      process.stdout.write(`  ${formatRoundLine(i + 1, r.runs.map((t) => [t.target, t.rounds[i]!.requestsPerSec] as const), `edge/${ref}`, ratios[i]!)}\n`);
    });
  }
  const p99Source = generator === 'wrk' ? "wrk's histogram via the Lua done()" : "the node generator's histogram";
  process.stdout.write(`ratio = median over rounds of (server req/s / ${peers.some((p) => p.name === 'nginx') ? 'nginx' : 'baseline'} req/s in the same round); p99 from ${p99Source}: the table's p99 column is each server's worst round, the p99 edge/nginx rows are the median of per-round ratios;\n` +
      `CPU % of one CPU from /proc/<pid>/stat utime+stime over the run (nginx: its worker; varnish: its cache child);\n` +
      `server core busy % = the server's whole CPU from /proc/stat (any process, softirq, steal)\n`);
  if (generator === 'node') process.stdout.write('NOTE: node generator (may be the limit): these numbers understate every server\n');
  if (limited.length > 0) process.stdout.write(`NOTE: generator near 100% CPU while the server was not, so the generator may be the limit for: ${limited.join('; ')}\n`);
  if (disturbed.length > 0) process.stdout.write(`NOTE: other processes used the server's CPU (busy - server - softirq > 10%), rerun on a quiet machine: ${disturbed.join('; ')}\n`);
  for (const mem of memory) process.stdout.write(`${formatMemoryLine(mem, 1024)}\n`);
  const edgeMem = memory.find((x) => x.server === 'edge');
  const nginxMem = memory.find((x) => x.server === 'nginx');
  const plainMem = memory.find((x) => x.server === 'baseline');
  if (edgeMem !== undefined && nginxMem !== undefined) {
    process.stdout.write(`memory ratio edge/nginx per object: ${ratio(edgeMem.kibPerObject, nginxMem.kibPerObject).toFixed(2)}x (nginx = worker RSS + its tmpfs cache files)\n`);
  }

  // Peer hop: origin and a ring of two edges as children on the server CPU, one client here.
  let peerHop: PeerHopResult | undefined;
  let peerHopNote = 'skipped (BENCH_PEERHOP=0)';
  if (process.env['BENCH_PEERHOP'] !== '0') {
    process.stdout.write('\nbench: peer hop (origin, edges e1 and e2 in a ring as children; direct hits on e2 against hits via e1)\n');
    const peerHopStarted = performance.now();
    try {
      const hopOptions = readPeerHopOptions(process.env);
      // With --against: this build and that one side by side, their blocks in turn (the miss and peer-hop rows of both).
      let both: [PeerHopResult, PeerHopResult] | undefined;
      if (o.against !== undefined) {
        try {
          both = (await runPeerHopBenches(hopOptions, [ROOT, o.against], { serverCpu, harnessCpu: generatorCpu, log })) as [PeerHopResult, PeerHopResult];
        } catch (err) {
          // A baseline that fails must not cost this build's own rows: they are measured again alone.
          process.stdout.write(`peer hop bench beside ${o.against} failed: ${err instanceof Error ? err.message : String(err)}; this build alone:\n`);
        }
      }
      if (both !== undefined) {
        peerHop = both[0];
        process.stdout.write(`${formatPeerHopReport(both[0])}\n${formatPeerHopReport(both[1])}\n${formatPeerHopComparison(both[0], both[1])}\n`);
      } else {
        peerHop = await runPeerHopBench(hopOptions, { serverCpu, harnessCpu: generatorCpu, log });
        process.stdout.write(`${formatPeerHopReport(peerHop)}\n`);
      }
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
      // Issue 13: a baseline build's control plane beside this one's, blocks and windows taken in turn, both printed.
      const baseline = process.env['BENCH_PURGE_BASELINE_DIST'];
      if (baseline !== undefined && baseline !== '') {
        const compared = await comparePurgeBench(readPurgeBenchOptions(process.env), { controlPlaneCpu: serverCpu, harnessCpu: generatorCpu, log }, resolve(baseline), readPurgeCompareOptions(process.env));
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

  // Origin fetches caused by a join, a leave and a rolling restart (issue 14): the simulator's
  // membership-origin figures over a few seeds (sim/membership-bench.ts), loaded by path like sim/bench.js.
  let membership: MembershipFigure[] | undefined;
  let membershipNote = 'skipped (BENCH_MEMBERSHIP=0)';
  if (process.env['BENCH_MEMBERSHIP'] !== '0') {
    const seeds = Number(process.env['BENCH_MEMBERSHIP_SEEDS'] ?? 3);
    process.stdout.write(`\nbench: membership changes (sim/membership-bench.js, seeds 1-${seeds})\n`);
    const path = join(ROOT, 'dist', 'sim', 'membership-bench.js');
    try {
      const mod = (await import(pathToFileURL(path).href)) as { runMembershipBench: (o: { seeds: number; root: string }) => Promise<MembershipFigure[]> };
      membership = await mod.runMembershipBench({ seeds, root: ROOT });
      for (const f of membership) process.stdout.write(`${JSON.stringify(f)}\n`);
    } catch (err) {
      membershipNote = `skipped: ${err instanceof Error ? err.message : String(err)}`;
      process.stdout.write(`membership bench ${membershipNote}\n`);
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

  // Ring rebuild at the maximum membership the bounds allow: in this process, a few seconds.
  let ring: RingRebuildResult | undefined;
  if (process.env['BENCH_RING'] !== '0') {
    process.stdout.write('\nbench: ring rebuild at the maximum (the real Ring, 1,000 members of weight 100)\n');
    ring = runRingRebuildBench();
    process.stdout.write(`${formatRingRebuildReport(ring)}\n`);
  }

  const summary = [
    ...hitPathRows(
      runs.map((r) => {
        const p99 = (t: TargetName): number | null => {
          const x = r.runs.find((y) => y.target === t);
          return x === undefined ? null : x.measured.result.latencyUsP99 / 1000;
        };
        const med = (t: TargetName): number | null => (r.runs.some((y) => y.target === t) ? medianRatio(r, 'edge', t) : null);
        return {
          id: r.case.id,
          label: r.case.label,
          bodyBytes: r.case.bodyBytes,
          edgeOverNginx: med('nginx'),
          edgeOverVarnish: med('varnish'),
          edgeOverBaseline: med('baseline'),
          edgeP99Ms: p99('edge') ?? NaN,
          p99OverNginx: r.runs.some((y) => y.target === 'nginx') ? medianP99Ratio(r, 'edge', 'nginx') : null,
        };
      }),
      peerNote === '' ? 'nginx did not run' : peerNote,
    ),
    ...accessLogRows(
      runs.map((r) => ({
        id: r.case.id,
        label: r.case.label,
        logOverNoLog: r.runs.some((y) => y.target === 'edge-log') ? medianRatio(r, 'edge-log', 'edge') : null,
        cpuPerRequestNoLogOverLog: cpuPerRequestRatio(r, 'edge', 'edge-log'),
      })),
      accessLogOn,
    ),
    ...memoryRows(edgeMem?.kibPerObject, nginxMem?.kibPerObject, plainMem?.kibPerObject),
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
    ...membershipRows(membership, membershipNote),
    ...ringRebuildRows(ring),
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
    peers: { ran: peers.map((p) => p.name), note: peerNote },
    cases: runs.map((r) => ({
      id: r.case.id,
      label: r.case.label,
      bodyBytes: r.case.bodyBytes,
      urls: r.case.set.kind === 'hot' ? r.case.set.count : 1,
      requestHeaders: r.case.requestHeaders ?? 'wrk default',
      summary: Object.fromEntries(r.runs.map((t) => [t.target, summarize(t.measured)])),
      medianRatios: Object.fromEntries(r.runs.filter((t) => t.target !== 'edge').map((t) => [`edge/${t.target}`, medianRatio(r, 'edge', t.target)])),
      roundRatios: Object.fromEntries(r.runs.filter((t) => t.target !== 'edge').map((t) => [`edge/${t.target}`, roundRatios(r, 'edge', t.target)])),
      runs: r.runs,
    })),
    generatorLimited: limited,
    disturbed,
    memory,
    cluster: cluster ?? null,
    peerHop: peerHop ?? { skipped: peerHopNote },
    purge: purge ?? { skipped: purgeNote },
    sim: sim ?? { skipped: simNote },
    membership: membership ?? { skipped: membershipNote },
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
    const mod = (await import(pathToFileURL(path).href)) as { runSimBench?: unknown; formatSimBenchRound?: unknown };
    if (typeof mod.runSimBench !== 'function') return { kind: 'skipped', note: 'skipped: sim/bench.js does not export runSimBench' };
    const format = typeof mod.formatSimBenchRound === 'function' ? (mod.formatSimBenchRound as (r: unknown, i: number) => string) : (r: unknown): string => JSON.stringify(r);
    const onRound = (r: unknown, i: number): void => void process.stdout.write(`${format(r, i)}\n`);
    const rounds = process.env['BENCH_SIM_ROUNDS'] === undefined ? undefined : Number(process.env['BENCH_SIM_ROUNDS']);
    const run = mod.runSimBench as (o: { simulatedSeconds: number; rounds?: number; onRound: typeof onRound }) => Promise<unknown>;
    const result = (await run({ simulatedSeconds, onRound, ...(rounds === undefined ? {} : { rounds }) })) as Record<string, unknown>;
    const num = (k: string): number => (typeof result[k] === 'number' ? (result[k] as number) : NaN);
    return {
      kind: 'ok',
      result: {
        ...result,
        simulatedRequestsPerWallSecond: num('simulatedRequestsPerWallSecond'),
        simulatedToWallRatio: num('simulatedToWallRatio'),
        checkersPassed: result['checkersPassed'] === true,
        realCodeOnlyRequestsPerWallSecond: num('realCodeOnlyRequestsPerWallSecond'),
        ofCeiling: num('ofCeiling'),
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
    if (err instanceof OptionError) {
      process.stderr.write(`bench: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killAllChildren();
    process.exit(1);
  },
);

