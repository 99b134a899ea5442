/**
 * One swarm seed, run the same way in the main thread (`--workers 1`) and in a worker thread:
 * the scenario is a pure function of the seed (and the base scenario), so the trace hash is too.
 */
import type { Mark } from '../common/coverage-marks.js';
import { exitCodeOf, runScenario } from './run.js';
import type { Scenario } from './scenario/schema.js';
import { swarmScenario } from './swarm.js';
import type { Break } from './world/world.js';

export interface SeedResult {
  seed: number;
  /** The run's exit code (run.ts EXIT). */
  code: number;
  /** Checkers that failed, comma-separated; 'crash' when the simulated code threw. */
  failed: string;
  /** First line of each failed checker's first example, for the swarm's failure line. */
  example: string;
  traceHash: string;
  /** Marks the scenario named, and those the run reached. */
  namedMarks: Mark[];
  reachedMarks: Mark[];
}

export async function runSwarmSeed(seed: number, base: Scenario | undefined, breaks: readonly Break[]): Promise<SeedResult> {
  const scenario = swarmScenario(seed, base);
  const report = await runScenario(scenario, { seed, breaks: new Set(breaks) });
  const code = exitCodeOf(report);
  const bad = report.verdicts.filter((v) => !v.ok);
  return {
    seed,
    code,
    failed: bad.map((v) => v.name).join(',') || (report.crash === undefined ? '' : 'crash'),
    example: bad[0]?.examples[0] ?? report.crash?.split('\n')[0] ?? '',
    traceHash: report.traceHash,
    namedMarks: scenario.marks,
    reachedMarks: Object.keys(report.marks) as Mark[],
  };
}
