/**
 * The swarm's coverage verdict: a mark some seed's scenario named (sim/swarm.ts) that no seed
 * reached means the fault mixes stopped exercising that path, and the swarm fails naming it.
 */
import type { Mark } from '../common/coverage-marks.js';
import type { SeedResult } from './swarm-seed.js';

export interface UnreachedMark {
  mark: Mark;
  /** Seeds whose scenario named it. */
  namedBy: number;
  firstSeed: number;
}

export function unreachedMarks(results: readonly SeedResult[]): UnreachedMark[] {
  const reached = new Set<Mark>(results.flatMap((r) => r.reachedMarks));
  const named = new Map<Mark, UnreachedMark>();
  for (const r of results) {
    for (const m of r.namedMarks) {
      if (reached.has(m)) continue;
      const u = named.get(m);
      if (u === undefined) named.set(m, { mark: m, namedBy: 1, firstSeed: r.seed });
      else u.namedBy++;
    }
  }
  return [...named.values()].sort((a, b) => (a.mark < b.mark ? -1 : 1));
}
