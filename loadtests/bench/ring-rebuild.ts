/**
 * Ring rebuild at the maximum the bounds allow (common/ring-bounds.ts): 1,000 members of weight
 * 100, built with the real Ring as an edge does at every membership change. Reports the median
 * and max build time over a few rounds and the points placed; in-process, no pinning. The tests
 * bound the point count; only this bench times it.
 */
import { performance } from 'node:perf_hooks';
import { MAX_RING_MEMBERS, MAX_RING_POINTS, MAX_RING_WEIGHT } from '../../common/ring-bounds.js';
import { Ring, type RingMember } from '../../edge/routing/ring.js';
import { row, type SummaryRow } from './summary.js';

export interface RingRebuildResult {
  members: number;
  weight: number;
  points: number;
  buildMs: number[];
  medianMs: number;
  maxMs: number;
}

export function runRingRebuildBench(rounds = 5): RingRebuildResult {
  const members: RingMember[] = Array.from({ length: MAX_RING_MEMBERS }, (_, i) => ({ id: `edge-${i}`, url: `http://10.0.${i >> 8}.${i & 255}:8080`, weight: MAX_RING_WEIGHT }));
  const buildMs: number[] = [];
  let points = 0;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    points = new Ring(members).pointCount;
    buildMs.push(performance.now() - started);
  }
  const sorted = [...buildMs].sort((a, b) => a - b);
  return { members: MAX_RING_MEMBERS, weight: MAX_RING_WEIGHT, points, buildMs, medianMs: sorted[Math.floor(sorted.length / 2)]!, maxMs: sorted[sorted.length - 1]! };
}

export function formatRingRebuildReport(r: RingRebuildResult): string {
  return `ring rebuild, ${r.members} members x weight ${r.weight}: ${r.points} points; build ms per round ${r.buildMs.map((ms) => ms.toFixed(0)).join(', ')} (median ${r.medianMs.toFixed(0)}, max ${r.maxMs.toFixed(0)})`;
}

export function ringRebuildRows(r: RingRebuildResult | undefined): SummaryRow[] {
  if (r === undefined) return [];
  const bound = MAX_RING_POINTS + MAX_RING_MEMBERS;
  return [
    row('ring.rebuildAtMaxMs', 'ring', `rebuild at the maximum (${r.members} members x weight ${r.weight}): median`, r.medianMs, 'ms'),
    row('ring.pointsAtMax', 'ring', 'points at the maximum', r.points, 'points', { op: '<=', value: bound }),
  ];
}
