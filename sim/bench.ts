/**
 * Simulator speed: simulated requests per wall second and simulated-to-wall time ratio for a
 * 3-region x 4-edge topology at 2,000 req/s of simulated load (with the control plane, a purger
 * and version changes). `runSimBench({ simulatedSeconds })` returns the numbers; run directly:
 * `node dist/sim/bench.js [simulatedSeconds] [microtask|macrotask] [rounds=N] [here] [unchecked]`.
 *
 * Each round runs both measurements (the simulator and the real code alone) in two fresh worker
 * threads, taking turns a simulated second at a time (measureRound), each with the young
 * generation the swarm's workers have (WORKER_YOUNG_GENERATION_MB): the same GC settings for
 * both, and the simulator measured as the swarm runs it. The size matters more to the
 * simulator than to the ceiling: the ceiling answers one request at a time, so its garbage dies
 * young, while a simulated region holds hundreds of exchanges in flight and a 16 MB nursery
 * (Node's default) copies them from scavenge to scavenge (bench workload, 20 simulated s, shared
 * machine: scavenges 2.96 s at 16 MB vs 0.95 s at 64 MB semi-spaces; the ceiling 1.03 vs 0.91 s).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ceilingTurnsHere, ceilingTurnsInWorker } from './bench-ceiling.js';
import { runScenario } from './run.js';
import { parseScenario } from './scenario/schema.js';
import { WORKER_YOUNG_GENERATION_MB } from './swarm-pool.js';
import { median } from '../common/median.js';
import { answerFromWorker } from './worker-answer.js';

export interface SimBenchResult {
  simulatedSeconds: number;
  /** Medians over the rounds, each figure on its own. */
  wallSeconds: number;
  simulatedRequests: number;
  simulatedRequestsPerWallSecond: number;
  simulatedToWallRatio: number;
  events: number;
  hitRatio: number;
  /** Every round's checkers passed; false when unchecked (no checker ran). */
  checkersPassed: boolean;
  /** The simulator ran without trace hash and checkers (SimBenchOptions.unchecked): not the target's figure. */
  unchecked: boolean;
  /**
   * The same workload through the same edges with no simulator at all (sim/bench-ceiling.ts):
   * what the real code alone allows, the bound on any simulator of it.
   */
  realCodeOnlyRequestsPerWallSecond: number;
  /** The median of the rounds' simulator / ceiling ratios: the target figure. */
  ofCeiling: number;
  rounds: SimBenchRound[];
  /** The young generation both measurements ran with, in MB (undefined: this thread's, Node's default unless flags say otherwise). */
  youngGenerationMb: number | undefined;
}

/** One round: a fresh worker thread measuring the simulator and the ceiling, in the order `first` says. */
export interface SimBenchRound {
  first: 'simulator' | 'ceiling';
  simulatedRequestsPerWallSecond: number;
  realCodeOnlyRequestsPerWallSecond: number;
  ofCeiling: number;
}

export interface SimBenchOptions {
  simulatedSeconds?: number;
  /** Rounds, each in a fresh worker (default 5). */
  rounds?: number;
  /** Requests the ceiling runs in each turn (default: a simulated second's, 2,000); tests make it small. */
  ceilingRequestsPerTurn?: number;
  /** Client requests per simulated second, all regions together (default 2,000); tests make it small. */
  requestsPerSecond?: number;
  seed?: number;
  drain?: 'microtask' | 'macrotask';
  /** Measure one round in the calling thread with its GC settings instead of in workers (for profiling). */
  inThisThread?: boolean;
  /**
   * Runs the simulator without its trace hash and checkers (RunOptions.unchecked): an info figure
   * for what those cost, never the target's (the target is the simulator as `cdn-sim` runs it).
   */
  unchecked?: boolean;
  /** Called as each round ends, so a caller can print every round. */
  onRound?: (round: SimBenchRound, index: number) => void;
}

interface BenchWorkerData {
  simBench: Omit<SimBenchOptions, 'onRound'>;
  first: SimBenchRound['first'];
}

/** What one round measured: the simulator's run and the ceiling's figure. */
interface RoundMeasurement {
  round: SimBenchRound;
  simulatedSeconds: number;
  wallSeconds: number;
  simulatedRequests: number;
  simulatedToWallRatio: number;
  events: number;
  hitRatio: number;
  checkersPassed: boolean;
  unchecked: boolean;
}

export const SIM_BENCH_ROUNDS = 5;

/** Simulated time the simulator runs before the ceiling takes its turn (see measureRound). */
export const TURN_SIMULATED_MS = 1000;

/** The workload's client requests per simulated second, all regions together: what the ceiling runs per simulated second. */
const SIMULATED_REQUESTS_PER_SECOND = 2000;

/**
 * Rounds in fresh worker threads, the simulator's turn first in even rounds and the ceiling's
 * first in odd ones; the median of the per-round ratios is the figure, as in every other bench
 * here. (When both ran whole, one after the other in one worker, whichever ran second found the
 * edge code compiled: the ceiling measured 12,179 req/s cold and 18,005 after a simulator run.
 * Each now compiles in its own worker, and the order only decides whose cold first turn comes first.)
 */
export async function runSimBench(options: SimBenchOptions = {}): Promise<SimBenchResult> {
  const { onRound, ...rest } = options;
  if (options.inThisThread === true) {
    const m = await measureRound(rest, 'simulator');
    onRound?.(m.round, 0);
    return summarize([m], undefined);
  }
  const rounds = Math.max(1, Math.floor(options.rounds ?? SIM_BENCH_ROUNDS));
  const measured: RoundMeasurement[] = [];
  for (let i = 0; i < rounds; i++) {
    const m = await roundInWorker({ simBench: rest, first: i % 2 === 0 ? 'simulator' : 'ceiling' });
    onRound?.(m.round, i);
    measured.push(m);
  }
  return summarize(measured, WORKER_YOUNG_GENERATION_MB);
}

function roundInWorker(data: BenchWorkerData): Promise<RoundMeasurement> {
  return answerFromWorker<RoundMeasurement>(new URL(import.meta.url), data, 'simulator bench worker', { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB });
}

function summarize(rounds: readonly RoundMeasurement[], youngGenerationMb: number | undefined): SimBenchResult {
  const mid = (pick: (m: RoundMeasurement) => number): number => median(rounds.map(pick));
  return {
    simulatedSeconds: rounds[0]!.simulatedSeconds,
    wallSeconds: mid((m) => m.wallSeconds),
    simulatedRequests: rounds[0]!.simulatedRequests,
    simulatedRequestsPerWallSecond: mid((m) => m.round.simulatedRequestsPerWallSecond),
    simulatedToWallRatio: mid((m) => m.simulatedToWallRatio),
    events: rounds[0]!.events,
    hitRatio: rounds[0]!.hitRatio,
    checkersPassed: rounds.every((m) => m.checkersPassed),
    realCodeOnlyRequestsPerWallSecond: mid((m) => m.round.realCodeOnlyRequestsPerWallSecond),
    ofCeiling: mid((m) => m.round.ofCeiling),
    rounds: rounds.map((m) => m.round),
    unchecked: rounds[0]!.unchecked,
    youngGenerationMb,
  };
}

async function measureRound(options: Omit<SimBenchOptions, 'onRound'>, first: SimBenchRound['first']): Promise<RoundMeasurement> {
  const seconds = options.simulatedSeconds ?? 60;
  const seed = options.seed ?? 1;
  const rate = options.requestsPerSecond ?? SIMULATED_REQUESTS_PER_SECOND;
  const perRegion = rate / 3;
  const scenario = parseScenario({
    name: 'bench-3x4',
    durationMs: seconds * 1000,
    settleMs: 0,
    topology: { regions: ['r1', 'r2', 'r3'].map((name) => ({ name, edges: 4, requestsPerSecond: perRegion, cacheMaxBytes: 64 * 1024 * 1024 })) },
    origin: { cacheControl: 'public, max-age=300' },
    workload: { keys: 10_000, zipf: 0.9, versionChangesPerSecond: 1, purger: { purgesPerSecond: 1 } },
  });
  // The two measurements take turns within the round, one simulated second (and the ceiling's
  // requests for the same second) at a time, each timed by its own stopwatch: a machine whose
  // speed changes from minute to minute (another tenant's load) then slows both alike. One
  // after the other, whole, rounds of the same build measured 0.44-0.87x on a loaded machine.
  const turns = Math.max(1, Math.ceil((seconds * 1000) / TURN_SIMULATED_MS));
  const perTurn = options.ceilingRequestsPerTurn ?? Math.round((rate * TURN_SIMULATED_MS) / 1000);
  const ceiling = options.inThisThread === true ? ceilingTurnsHere(seed, perTurn) : ceilingTurnsInWorker(seed, perTurn, WORKER_YOUNG_GENERATION_MB);
  let pausedMs = 0;
  // A failed turn is kept and thrown after the run: thrown inside it, the run would report it as
  // the simulated code's crash.
  let turnFailed: unknown;
  let report: Awaited<ReturnType<typeof runScenario>>;
  try {
    if (first === 'ceiling') await ceiling.take();
    const between = async (): Promise<void> => {
      const paused = performance.now();
      if (turnFailed === undefined) await ceiling.take().catch((err: unknown) => void (turnFailed = err));
      pausedMs += performance.now() - paused;
    };
    report = await runScenario(scenario, { seed, wallClockMs: () => performance.now(), pause: { everyMs: TURN_SIMULATED_MS, between }, ...(options.unchecked === true ? { unchecked: true } : {}), ...(options.drain === undefined ? {} : { drain: options.drain }) });
    if (turnFailed !== undefined) throw turnFailed;
    if (first === 'simulator') await ceiling.take();
  } finally {
    await ceiling.close();
  }
  if (ceiling.requests !== turns * perTurn) throw new Error(`the ceiling ran ${ceiling.requests} requests in its turns, expected ${turns} x ${perTurn}`);
  // The run's own stopwatch (run.ts: from the world built to the last event) less the ceiling's turns.
  const simulatorMs = report.wallMs - pausedMs;
  const ceilingPerSecond = ceiling.requests / (ceiling.ms / 1000);
  const wallSeconds = simulatorMs / 1000;
  const simulatedPerSecond = report.summary.clientRequests / wallSeconds;
  return {
    round: { first, simulatedRequestsPerWallSecond: simulatedPerSecond, realCodeOnlyRequestsPerWallSecond: ceilingPerSecond, ofCeiling: simulatedPerSecond / ceilingPerSecond },
    simulatedSeconds: report.simulatedMs / 1000,
    wallSeconds,
    simulatedRequests: report.summary.clientRequests,
    simulatedToWallRatio: report.simulatedMs / simulatorMs,
    events: report.events,
    hitRatio: report.summary.hitRatio,
    checkersPassed: options.unchecked !== true && report.verdicts.every((v) => v.ok) && report.crash === undefined,
    unchecked: options.unchecked === true,
  };
}

/** One line per round, as the bench and the command line print them. */
export function formatSimBenchRound(round: SimBenchRound, index: number): string {
  return `round ${index + 1} (${round.first} first): simulator ${round.simulatedRequestsPerWallSecond.toFixed(0)} req/s, real code alone ${round.realCodeOnlyRequestsPerWallSecond.toFixed(0)} req/s, ${round.ofCeiling.toFixed(3)}x`;
}

if (!isMainThread && (workerData as Partial<BenchWorkerData> | null)?.simBench !== undefined) {
  const data = workerData as BenchWorkerData;
  void measureRound(data.simBench, data.first).then((m) => parentPort!.postMessage(m));
} else if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? 60);
  // `node dist/sim/bench.js 60 macrotask` measures the old one-setImmediate-per-event drain;
  // `... here` measures one round in the main thread with its GC settings (for --cpu-prof);
  // `... rounds=N` sets the round count; `... unchecked` runs the simulator without its trace hash
  // and checkers (an info figure: what they cost).
  const drain = process.argv.includes('macrotask') ? 'macrotask' : 'microtask';
  const inThisThread = process.argv.includes('here');
  const unchecked = process.argv.includes('unchecked');
  const roundsArg = process.argv.find((a) => a.startsWith('rounds='));
  const rounds = roundsArg === undefined ? SIM_BENCH_ROUNDS : Number(roundsArg.slice('rounds='.length));
  if (unchecked) process.stdout.write('unchecked: the simulator without its trace hash and checkers, an info figure (the target is the checked run)\n');
  const onRound = (r: SimBenchRound, i: number): void => void process.stdout.write(`${formatSimBenchRound(r, i)}\n`);
  runSimBench({ simulatedSeconds: seconds, drain, inThisThread, rounds, onRound, unchecked }).then((r) => process.stdout.write(`${JSON.stringify({ ...r, rounds: undefined }, null, 2)}\n`));
}
