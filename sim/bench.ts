/**
 * Simulator speed: simulated requests per wall second and simulated-to-wall time ratio for a
 * 3-region x 4-edge topology at 2,000 req/s of simulated load (with the control plane, a purger
 * and version changes). `runSimBench({ simulatedSeconds })` returns the numbers; run directly:
 * `node dist/sim/bench.js [simulatedSeconds] [microtask|macrotask]`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCeiling } from './bench-ceiling.js';
import { runScenario } from './run.js';
import { parseScenario } from './scenario/schema.js';

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
}

export async function runSimBench(options: { simulatedSeconds?: number; seed?: number; drain?: 'microtask' | 'macrotask' } = {}): Promise<SimBenchResult> {
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
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? 60);
  // `node dist/sim/bench.js 60 macrotask` measures the old one-setImmediate-per-event drain.
  const drain = process.argv[3] === 'macrotask' ? 'macrotask' : 'microtask';
  runSimBench({ simulatedSeconds: seconds, drain }).then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`));
}
