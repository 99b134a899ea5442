/**
 * Runs swarm seeds on every core: `workers` worker threads (sim/swarm-worker.ts), each given
 * the next seed as soon as it finishes one, so a slow seed never holds the others back, longest
 * expected first (dispatchOrder), so the run does not end with one worker alone on a long seed.
 * With one worker the seeds run in this thread instead, in seed order (no thread start-up, easy
 * to profile); either way each seed's result, trace hash included, is the same.
 */
import { Worker } from 'node:worker_threads';
import type { Scenario } from './scenario/schema.js';
import { swarmScenario } from './swarm.js';
import { runSwarmSeed, type SeedResult } from './swarm-seed.js';
import { epochNowMs, threadCpuMs, type SeedSpan } from './swarm-timeline.js';
import type { WorkerSetup } from './swarm-worker.js';
import type { Break } from './world/world.js';

export interface SwarmPlan {
  seeds: readonly number[];
  workers: number;
  base: Scenario | undefined;
  breaks: Break[];
}

/**
 * Each worker's young generation (V8's nursery), in MB: about --max-semi-space-size=64 where
 * Node's default is 16 MB semi-spaces. A seed allocates short-lived records, promises and bodies
 * at a high rate; a larger nursery scavenges a quarter as often and promotes less, which cut a
 * seed's CPU time by about 5% in one thread. It matters more with a worker per core, where the
 * collector's helper threads have no idle core to run on. Bounded: two workers add ~350 MB.
 */
export const WORKER_YOUNG_GENERATION_MB = 192;

/**
 * What a seed's run is expected to cost, in client requests' worth of work; for ordering only.
 * Weights from seeds 302-330 run one by one (CPU ms per seed against the scenario, least squares,
 * shared machine): about 0.04 ms per simulated client request, 24 ms per fault (a crash, restart
 * or partition costs refills, reconnections and replays), 44 ms per edge (ring, stream,
 * heartbeats, samples) and 0.4 ms per key (cold misses), i.e. 600, 1,000 and 10 requests' worth.
 * A rough guide (it explains under half of the spread); it only has to put the long seeds early.
 */
export function expectedSeedWork(s: Scenario): number {
  let requestsPerSecond = 0;
  let edges = 0;
  for (const r of s.topology.regions) {
    requestsPerSecond += r.requestsPerSecond;
    edges += r.edges + r.standbyEdges;
  }
  return (requestsPerSecond * s.durationMs) / 1000 + 600 * s.faults.length + 1_000 * edges + 10 * s.workload.keys;
}

/**
 * The order workers take seeds in: longest expected first (ties by seed). Seeds taken in seed
 * order end the run wherever a long one happens to fall last, with the other workers idle; taken
 * longest first, the last seeds are short ones and the workers finish close together.
 */
export function dispatchOrder(seeds: readonly number[], base: Scenario | undefined): number[] {
  return seeds
    .map((seed) => ({ seed, work: expectedSeedWork(swarmScenario(seed, base)) }))
    .sort((a, b) => b.work - a.work || a.seed - b.seed)
    .map((s) => s.seed);
}

type WorkerAnswer = { ok: true; result: SeedResult; startMs: number; endMs: number; threadCpuMs: number } | { ok: false; seed: number; error: string };

/**
 * Results in seed order; `onResult` sees each as it arrives (in any order with several workers),
 * with when and where it ran (sim/swarm-timeline.ts).
 */
export async function runSwarmSeeds(plan: SwarmPlan, onResult: (r: SeedResult, span: SeedSpan) => void = () => undefined): Promise<SeedResult[]> {
  const results: SeedResult[] = [];
  const take = (r: SeedResult, span: SeedSpan): void => {
    results.push(r);
    onResult(r, span);
  };
  const workers = Math.max(1, Math.min(plan.workers, plan.seeds.length));
  if (workers === 1) {
    for (const seed of plan.seeds) {
      const startMs = epochNowMs();
      const cpuBeforeMs = threadCpuMs();
      const result = await runSwarmSeed(seed, plan.base, plan.breaks);
      take(result, { seed, worker: 0, startMs, endMs: epochNowMs(), threadCpuMs: threadCpuMs() - cpuBeforeMs });
    }
  } else {
    await inWorkers(plan, workers, take);
  }
  return results.sort((a, b) => a.seed - b.seed);
}

function inWorkers(plan: SwarmPlan, count: number, take: (r: SeedResult, span: SeedSpan) => void): Promise<void> {
  const setup: WorkerSetup = { base: plan.base, breaks: plan.breaks };
  const url = new URL('./swarm-worker.js', import.meta.url);
  let next = 0;
  let running = count;
  let order: number[] = [];
  return new Promise<void>((resolve, reject) => {
    const threads: Worker[] = [];
    const stopAll = (err: Error): void => {
      for (const t of threads) void t.terminate();
      reject(err);
    };
    const feed = (w: Worker): void => {
      if (next < order.length) {
        w.postMessage(order[next++]);
        return;
      }
      void w.terminate();
      if (--running === 0) resolve();
    };
    for (let i = 0; i < count; i++) {
      const w = new Worker(url, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      threads.push(w);
      const worker = i;
      w.on('message', (answer: WorkerAnswer) => {
        if (!answer.ok) {
          stopAll(new Error(`swarm worker failed on seed ${answer.seed}: ${answer.error}`));
          return;
        }
        take(answer.result, { seed: answer.result.seed, worker, startMs: answer.startMs, endMs: answer.endMs, threadCpuMs: answer.threadCpuMs });
        feed(w);
      });
      w.on('error', (err) => stopAll(err));
    }
    // Ordered while the threads load their modules: drawing a scenario takes 1-4 ms a seed.
    order = dispatchOrder(plan.seeds, plan.base);
    for (const w of threads) feed(w);
  });
}
