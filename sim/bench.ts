/**
 * Simulator speed: simulated requests per wall second and simulated-to-wall time ratio for a
 * 3-region x 4-edge topology at 2,000 req/s of simulated load (with the control plane, a purger
 * and version changes). `runSimBench({ simulatedSeconds })` returns the numbers; run directly:
 * `node dist/sim/bench.js [simulatedSeconds] [microtask|macrotask]`.
 *
 * Both measurements (the simulator, then the real code alone) run in one worker thread with the
 * young generation the swarm's workers have (WORKER_YOUNG_GENERATION_MB): the same GC settings
 * for both, and the simulator measured as the swarm runs it. The size matters more to the
 * simulator than to the ceiling: the ceiling answers one request at a time, so its garbage dies
 * young, while a simulated region holds hundreds of exchanges in flight and a 16 MB nursery
 * (Node's default) copies them from scavenge to scavenge (bench workload, 20 simulated s, shared
 * machine: scavenges 2.96 s at 16 MB vs 0.95 s at 64 MB semi-spaces; the ceiling 1.03 vs 0.91 s).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runCeiling } from './bench-ceiling.js';
import { runScenario } from './run.js';
import { parseScenario } from './scenario/schema.js';
import { WORKER_YOUNG_GENERATION_MB } from './swarm-pool.js';

export interface SimBenchResult {
  simulatedSeconds: number;
  wallSeconds: number;
  simulatedRequests: number;
  simulatedRequestsPerWallSecond: number;
  simulatedToWallRatio: number;
  events: number;
  hitRatio: number;
  checkersPassed: boolean;
  /**
   * The same workload through the same edges with no simulator at all (sim/bench-ceiling.ts):
   * what the real code alone allows, the bound on any simulator of it.
   */
  realCodeOnlyRequestsPerWallSecond: number;
  /** The young generation both measurements ran with, in MB (undefined: this thread's, Node's default unless flags say otherwise). */
  youngGenerationMb: number | undefined;
}

export interface SimBenchOptions {
  simulatedSeconds?: number;
  seed?: number;
  drain?: 'microtask' | 'macrotask';
  /** Measure in the calling thread with its GC settings instead of in a worker (for profiling). */
  inThisThread?: boolean;
}

interface BenchWorkerData {
  simBench: SimBenchOptions;
}

export function runSimBench(options: SimBenchOptions = {}): Promise<SimBenchResult> {
  if (options.inThisThread === true) return measure(options, undefined);
  return new Promise<SimBenchResult>((resolvePromise, reject) => {
    const data: BenchWorkerData = { simBench: options };
    const worker = new Worker(new URL(import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    let answered = false;
    worker.once('message', (r: SimBenchResult) => {
      answered = true;
      resolvePromise(r);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`simulator bench worker exited with code ${code} before answering`));
    });
  });
}

async function measure(options: SimBenchOptions, youngGenerationMb: number | undefined): Promise<SimBenchResult> {
  const seconds = options.simulatedSeconds ?? 60;
  const perRegion = 2000 / 3;
  const scenario = parseScenario({
    name: 'bench-3x4',
    durationMs: seconds * 1000,
    settleMs: 0,
    topology: { regions: ['r1', 'r2', 'r3'].map((name) => ({ name, edges: 4, requestsPerSecond: perRegion, cacheMaxBytes: 64 * 1024 * 1024 })) },
    origin: { cacheControl: 'public, max-age=300' },
    workload: { keys: 10_000, zipf: 0.9, versionChangesPerSecond: 1, purger: { purgesPerSecond: 1 } },
  });
  const report = await runScenario(scenario, {
    seed: options.seed ?? 1,
    wallClockMs: () => performance.now(),
    ...(options.drain === undefined ? {} : { drain: options.drain }),
  });
  const wallSeconds = report.wallMs / 1000;
  const ceiling = await runCeiling(Math.min(200_000, Math.max(10_000, report.summary.clientRequests)), options.seed ?? 1);
  return {
    simulatedSeconds: report.simulatedMs / 1000,
    wallSeconds,
    simulatedRequests: report.summary.clientRequests,
    simulatedRequestsPerWallSecond: report.summary.clientRequests / wallSeconds,
    simulatedToWallRatio: report.simulatedMs / report.wallMs,
    events: report.events,
    hitRatio: report.summary.hitRatio,
    checkersPassed: report.verdicts.every((v) => v.ok) && report.crash === undefined,
    realCodeOnlyRequestsPerWallSecond: ceiling.requestsPerWallSecond,
    youngGenerationMb,
  };
}

if (!isMainThread && (workerData as Partial<BenchWorkerData> | null)?.simBench !== undefined) {
  void measure((workerData as BenchWorkerData).simBench, WORKER_YOUNG_GENERATION_MB).then((r) => parentPort!.postMessage(r));
} else if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? 60);
  // `node dist/sim/bench.js 60 macrotask` measures the old one-setImmediate-per-event drain;
  // `... here` measures in the main thread with its GC settings (for --cpu-prof).
  const drain = process.argv[3] === 'macrotask' ? 'macrotask' : 'microtask';
  const inThisThread = process.argv.includes('here');
  runSimBench({ simulatedSeconds: seconds, drain, inThisThread }).then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`));
}
