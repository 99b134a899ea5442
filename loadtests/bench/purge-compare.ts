/**
 * The purge bench against a baseline build in the same run (issue 13, and issue 16's "purge rows
 * within 10% of main's, print both"). `BENCH_PURGE_BASELINE_DIST` names another build's `dist`
 * (e.g. of main: `git archive main | tar -x -C /tmp/base && cd /tmp/base && npm ci && npm run build`).
 *
 * Both builds' rigs (control plane on the server CPU, ten edges in this process) are up at once,
 * and every block of sequential purges and every window of sustained load is taken by each build
 * in turn, which goes first alternating, as the peer-hop bench does. Until 2026-12-05 the builds
 * ran whole rounds one after the other (a control plane started, the bench, stopped): one build's
 * sustained purges/s moved by up to 31% between two of its rounds a minute apart, and both builds
 * drifted by a third over a run, so a median of rounds called the same control plane 0.84x in one
 * run and 1.11x in another.
 *
 * Options (readPurgeCompareOptions):
 *   BENCH_PURGE_COMPARE_PURGES (8000)       sequential purges per build, after BENCH_PURGE_WARMUP unmeasured
 *   BENCH_PURGE_COMPARE_BLOCKS (20)         blocks they are split into, taken in turn
 *   BENCH_PURGE_COMPARE_WINDOWS (8)         sustained windows per build, taken in turn, after an unmeasured one of up to 2 s
 *   BENCH_PURGE_COMPARE_WINDOW_SECONDS (4)  each window's length, BENCH_PURGE_CONCURRENCY POSTs in flight
 * Of the purge bench's own options the comparison takes the edges, warm-up, concurrency, store and
 * POST target; BENCH_PURGE_COUNT, BENCH_PURGE_SECONDS and BENCH_PURGE_RATE* are the single run's.
 *
 * What is judged: purges/s as the ratio of the medians of the windows; 202 -> applied p99 as the
 * ratio of the medians of the blocks' p99s (each the 4th highest of 400), so a stall that falls in
 * fewer than half the blocks does not move it; the p99 over all of a build's purges is printed
 * beside it. Each build's log grows by what it accepted, so a faster build works on a longer log.
 */
import { join } from 'node:path';
import { median } from '../../common/median.js';
import { blockSizes, buildOrder } from './peer-hop.js';
import { measureSequential, runSustained, warmUpSequential, type PurgeBenchOptions } from './purge-propagation.js';
import { startPurgeRig, type PurgeBenchContext, type PurgeRig } from './purge-rig.js';
import { pairedRatiosText, percentile } from './stats.js';
import { envInteger } from './env-integer.js';

export interface PurgeCompareOptions {
  /** Sequential purges per build, measured. */
  purges: number;
  /** Blocks the sequential purges are split into. */
  blocks: number;
  /** Sustained windows per build, measured. */
  windows: number;
  windowSeconds: number;
}

/**
 * 8,000 sequential purges per build in 20 blocks of 400 (a round's 1,000 had a p99 that moved
 * from 0.75 to 1.97 ms between rounds); 8 windows of 4 s per build take about as long as the 4
 * rounds of 10 s did.
 */
export const DEFAULT_PURGE_COMPARE_OPTIONS: Readonly<PurgeCompareOptions> = Object.freeze({ purges: 8000, blocks: 20, windows: 8, windowSeconds: 4 });

/** BENCH_PURGE_COMPARE_*: integers >= 1 (blocks at most the purges); a bad value is named. */
export function readPurgeCompareOptions(env: NodeJS.ProcessEnv): PurgeCompareOptions {
  const d = DEFAULT_PURGE_COMPARE_OPTIONS;
  const read = (name: string, dflt: number): number => envInteger(env, `BENCH_PURGE_COMPARE_${name}`, dflt, 1);
  const rounds = env['BENCH_PURGE_COMPARE_ROUNDS'];
  if (rounds !== undefined && rounds !== '') {
    throw new Error('BENCH_PURGE_COMPARE_ROUNDS is gone: the builds now take blocks and windows in turn; set BENCH_PURGE_COMPARE_BLOCKS or BENCH_PURGE_COMPARE_WINDOWS');
  }
  const o = { purges: read('PURGES', d.purges), blocks: read('BLOCKS', d.blocks), windows: read('WINDOWS', d.windows), windowSeconds: read('WINDOW_SECONDS', d.windowSeconds) };
  if (o.blocks > o.purges) throw new Error(`BENCH_PURGE_COMPARE_BLOCKS (${o.blocks}) must not exceed BENCH_PURGE_COMPARE_PURGES (${o.purges})`);
  return o;
}

export type Which = 'baseline' | 'this build';

/** What one build measured: sequential 202 -> applied times per block, and purges/s per sustained window. */
export interface BuildSamples {
  fromAcceptedMsByBlock: number[][];
  purgesPerSecondByWindow: number[];
}

export interface PurgeComparison {
  baselineDist: string;
  samples: Record<Which, BuildSamples>;
  /** this/baseline: sustained purges/s (ratio of the medians of windows) and sequential 202 -> applied p99 (ratio of the medians of blocks' p99s). */
  rateRatio: number;
  p99Ratio: number;
  text: string;
}

const f2 = (x: number): string => x.toFixed(2);

/** The comparison's verdict lines, from both builds' samples (pure, so it is tested on made-up numbers). */
export function formatPurgeComparison(samples: Record<Which, BuildSamples>, o: PurgeCompareOptions): { rateRatio: number; p99Ratio: number; text: string } {
  const mine = samples['this build'];
  const base = samples.baseline;
  const pooled = (s: BuildSamples): number[] => s.fromAcceptedMsByBlock.flat();
  const p50 = (s: BuildSamples): number => percentile(pooled(s), 50);
  const p99 = (s: BuildSamples): number => percentile(pooled(s), 99);
  const blockP50 = (s: BuildSamples): number[] => s.fromAcceptedMsByBlock.map((b) => percentile(b, 50));
  const blockP99 = (s: BuildSamples): number[] => s.fromAcceptedMsByBlock.map((b) => percentile(b, 99));
  const rate = (s: BuildSamples): number => median(s.purgesPerSecondByWindow);
  const rateRatio = rate(mine) / rate(base);
  // As the rounds' p99s were compared before (the ratio of their medians), now the blocks'.
  const p99Ratio = median(blockP99(mine)) / median(blockP99(base));
  const lines = [
    `purge comparison, both control planes up at once, each block and window taken by the builds in turn (this build / baseline):`,
    `  sequential 202 -> applied on every edge, ${pooled(mine).length} / ${pooled(base).length} purges in ${o.blocks} blocks:`,
    `    p99, median of the blocks' ${f2(median(blockP99(mine)))} / ${f2(median(blockP99(base)))} ms, ratio ${f2(p99Ratio)} ${p99Ratio <= 1.1 ? 'within 10% or better' : 'MORE THAN 10% HIGHER'}`,
    `    p99 of all ${f2(p99(mine))} / ${f2(p99(base))} ms, ratio ${f2(p99(mine) / p99(base))}; p50 of all ${f2(p50(mine))} / ${f2(p50(base))} ms, ratio ${f2(p50(mine) / p50(base))}`,
    `    per block p99, this/baseline: ${pairedRatiosText(blockP99(mine), blockP99(base))}`,
    `    per block p50, this/baseline: ${pairedRatiosText(blockP50(mine), blockP50(base))}`,
    `  sustained purges/s, ${o.windows} windows of ${o.windowSeconds} s per build:`,
    `    median ${Math.round(rate(mine))} / ${Math.round(rate(base))}, ratio ${f2(rateRatio)} ${rateRatio >= 0.9 ? 'within 10% or better' : 'MORE THAN 10% LOWER'}`,
    `    windows: ${mine.purgesPerSecondByWindow.map(Math.round).join(', ')} / ${base.purgesPerSecondByWindow.map(Math.round).join(', ')}`,
    `    per window, this/baseline: ${pairedRatiosText(mine.purgesPerSecondByWindow, base.purgesPerSecondByWindow)}`,
  ];
  return { rateRatio, p99Ratio, text: lines.join('\n') };
}

export async function comparePurgeBench(o: PurgeBenchOptions, ctx: PurgeBenchContext, baselineDist: string, c: PurgeCompareOptions): Promise<PurgeComparison> {
  const order: Which[] = ['baseline', 'this build'];
  const rigs = new Map<Which, PurgeRig>();
  try {
    // One after the other: each start waits for its edges to stream.
    rigs.set('baseline', await startPurgeRig(o, { ...ctx, controlPlaneMain: join(baselineDist, 'control-plane', 'main.js'), edgeIdPrefix: 'baseline' }));
    rigs.set('this build', await startPurgeRig(o, { ...ctx, edgeIdPrefix: 'this' }));
    const rig = (w: Which): PurgeRig => rigs.get(w)!;
    const samples: Record<Which, BuildSamples> = { baseline: { fromAcceptedMsByBlock: [], purgesPerSecondByWindow: [] }, 'this build': { fromAcceptedMsByBlock: [], purgesPerSecondByWindow: [] } };
    const refused: Record<Which, number> = { baseline: 0, 'this build': 0 };
    // Unmeasured: the warm-up purges one at a time, and one window of sustained load, per build.
    const sustained = async (w: Which, seconds: number): Promise<number> => {
      const r = rig(w);
      const result = await runSustained(r.client, r.recorder, { ...o, sustainedSeconds: seconds }, r.controlPlanes[0]!.pid);
      if (result.errors > 0) throw new Error(`purge comparison: ${w}: ${result.errors} POSTs failed in a sustained window`);
      refused[w] += result.rejected503;
      return result.acceptedPerSecond;
    };
    for (const w of order) {
      await warmUpSequential(rig(w).client, rig(w).recorder, o.warmup);
      await sustained(w, Math.min(2, c.windowSeconds));
    }
    for (const [i, n] of blockSizes(c.purges, c.blocks).entries()) {
      for (const k of buildOrder(i, 2)) {
        const w = order[k]!;
        samples[w].fromAcceptedMsByBlock.push((await measureSequential(rig(w).client, rig(w).recorder, n)).fromAcceptedMs);
      }
    }
    ctx.log(`bench: purge comparison: ${c.purges} sequential purges per build in ${c.blocks} blocks done`);
    for (let i = 0; i < c.windows; i++) {
      for (const k of buildOrder(i, 2)) {
        const w = order[k]!;
        samples[w].purgesPerSecondByWindow.push(await sustained(w, c.windowSeconds));
      }
    }
    const { rateRatio, p99Ratio, text } = formatPurgeComparison(samples, c);
    // A fast build that skips or reorders purges, or is refused, is not a fast build.
    const health = order.map((w) => {
      const r = rig(w).recorder;
      const bad = r.orderViolations > 0 || r.unexpectedFlushes > 0 || refused[w] > 0;
      return `  ${w}: ${r.orderViolations} out-of-order or skipped applies, ${r.unexpectedFlushes} flushes after start, ${refused[w]} POSTs answered 503${bad ? ' NOT CLEAN' : ''}`;
    });
    return { baselineDist, samples, rateRatio, p99Ratio, text: [`baseline: ${baselineDist}`, text, ...health].join('\n') };
  } finally {
    // Every rig is closed even if one close fails; the error that brought us here stays the one reported.
    await Promise.allSettled([...rigs.values()].map((r) => r.close()));
  }
}
