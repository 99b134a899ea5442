/**
 * A swarm worker thread: runs the seeds the main thread sends, one at a time, and posts each
 * result back. Seeds run in turn, so a worker's module state (coverage marks) belongs to one run
 * at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Scenario } from './scenario/schema.js';
import { runSwarmSeed } from './swarm-seed.js';
import { epochNowMs, threadCpuMs } from './swarm-timeline.js';
import type { Break } from './world/world.js';

export interface WorkerSetup {
  base: Scenario | undefined;
  breaks: Break[];
}

const setup = workerData as WorkerSetup;
const port = parentPort!;
port.on('message', (seed: number) => {
  const startMs = epochNowMs();
  const cpuBeforeMs = threadCpuMs();
  runSwarmSeed(seed, setup.base, setup.breaks).then(
    (result) => port.postMessage({ ok: true, result, startMs, endMs: epochNowMs(), threadCpuMs: threadCpuMs() - cpuBeforeMs }),
    (err: unknown) => port.postMessage({ ok: false, seed, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
