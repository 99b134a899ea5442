/**
 * Memory per cached object, seen from outside: fill a server with distinct 1 KiB URLs through a
 * 32-connection undici Pool, read VmRSS from /proc/<pid>/status at each step, and fit a
 * least-squares line. The slope is the cost of one more object (body, headers, key, index and
 * whatever the heap keeps around them); no GC can be forced from outside, so a line over five
 * points is what smooths the heap's growth steps.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchAll } from './hit-path.js';

/** VmRSS of a /proc/<pid>/status text, in KiB. */
export function parseVmRssKiB(statusText: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  if (m === null) throw new Error('no VmRSS line in /proc/<pid>/status');
  return Number(m[1]);
}

export function readRssKiB(pid: number): number {
  return parseVmRssKiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

export interface Fit {
  slope: number;
  intercept: number;
  /** Coefficient of determination, 1 for points on a line. */
  r2: number;
}

/** Ordinary least squares y = slope * x + intercept. */
export function leastSquares(points: ReadonlyArray<{ x: number; y: number }>): Fit {
  const n = points.length;
  if (n < 2) throw new Error('a line needs at least two points');
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (sxx === 0) throw new Error('all points have the same x');
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

export interface MemoryPoint {
  objects: number;
  rssKiB: number;
}

export interface MemoryResult {
  server: string;
  points: MemoryPoint[];
  kibPerObject: number;
  r2: number;
  warmInObjects: number;
  fillSeconds: number;
}

export interface MemoryOptions {
  server: string;
  baseUrl: string;
  pid: number;
  objects: number;
  steps: number;
  /** Distinct URLs requested before the 0 point, so JIT and pool warm-up are not charged to objects. */
  warmInObjects: number;
  bodyBytes: number;
  settleMs: number;
  /** KiB the server holds outside its RSS (nginx: its cache files on tmpfs), added to every point. */
  outsideKiB?: () => number;
  log: (line: string) => void;
}

export async function measureMemory(o: MemoryOptions): Promise<MemoryResult> {
  const startMs = performance.now();
  await fill(o, '/bench/mem-warm/', 0, o.warmInObjects);
  await sleep(o.settleMs);
  const kib = (): number => readRssKiB(o.pid) + (o.outsideKiB?.() ?? 0);
  const points: MemoryPoint[] = [{ objects: 0, rssKiB: kib() }];
  for (let step = 1; step <= o.steps; step++) {
    const from = Math.round(((step - 1) * o.objects) / o.steps);
    const to = Math.round((step * o.objects) / o.steps);
    await fill(o, '/bench/mem/', from, to);
    await sleep(o.settleMs);
    points.push({ objects: to, rssKiB: kib() });
    o.log(`bench: memory ${o.server}: ${to} objects, RSS ${(points[points.length - 1]!.rssKiB / 1024).toFixed(1)} MiB`);
  }
  const fit = leastSquares(points.map((p) => ({ x: p.objects, y: p.rssKiB })));
  return {
    server: o.server,
    points,
    kibPerObject: fit.slope,
    r2: fit.r2,
    warmInObjects: o.warmInObjects,
    fillSeconds: (performance.now() - startMs) / 1000,
  };
}

async function fill(o: MemoryOptions, prefix: string, from: number, to: number): Promise<void> {
  const paths: string[] = [];
  for (let i = from; i < to; i++) paths.push(`${prefix}${i}`);
  const got = await fetchAll(o.baseUrl, paths, 32);
  const bad = got.findIndex((r) => r.status !== 200 || r.body.length !== o.bodyBytes);
  if (bad >= 0) throw new Error(`memory fill ${o.server} ${paths[bad]}: status ${got[bad]!.status}, ${got[bad]!.body.length} bytes`);
}
