/**
 * Runs swarm seeds on every core: `workers` worker threads (sim/swarm-worker.ts), each given
 * the next seed as soon as it finishes one, so a slow seed never holds the others back. With
 * one worker the seeds run in this thread instead (no thread start-up, easy to profile); either
 * way each seed's result, trace hash included, is the same.
 */
import { Worker } from 'node:worker_threads';
import type { Scenario } from './scenario/schema.js';
import { runSwarmSeed, type SeedResult } from './swarm-seed.js';
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

type WorkerAnswer = { ok: true; result: SeedResult } | { ok: false; seed: number; error: string };

/** Results in seed order; `onResult` sees each as it arrives (in any order with several workers). */
export async function runSwarmSeeds(plan: SwarmPlan, onResult: (r: SeedResult) => void = () => undefined): Promise<SeedResult[]> {
  const results: SeedResult[] = [];
  const take = (r: SeedResult): void => {
    results.push(r);
    onResult(r);
  };
  const workers = Math.max(1, Math.min(plan.workers, plan.seeds.length));
  if (workers === 1) {
    for (const seed of plan.seeds) take(await runSwarmSeed(seed, plan.base, plan.breaks));
  } else {
    await inWorkers(plan, workers, take);
  }
  return results.sort((a, b) => a.seed - b.seed);
}

function inWorkers(plan: SwarmPlan, count: number, take: (r: SeedResult) => void): Promise<void> {
  const setup: WorkerSetup = { base: plan.base, breaks: plan.breaks };
  const url = new URL('./swarm-worker.js', import.meta.url);
  let next = 0;
  let running = count;
  return new Promise<void>((resolve, reject) => {
    const threads: Worker[] = [];
    const stopAll = (err: Error): void => {
      for (const t of threads) void t.terminate();
      reject(err);
    };
    const feed = (w: Worker): void => {
      if (next < plan.seeds.length) {
        w.postMessage(plan.seeds[next++]);
        return;
      }
      void w.terminate();
      if (--running === 0) resolve();
    };
    for (let i = 0; i < count; i++) {
      const w = new Worker(url, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      threads.push(w);
      w.on('message', (answer: WorkerAnswer) => {
        if (!answer.ok) {
          stopAll(new Error(`swarm worker failed on seed ${answer.seed}: ${answer.error}`));
          return;
        }
        take(answer.result);
        feed(w);
      });
      w.on('error', (err) => stopAll(err));
      feed(w);
    }
  });
}
