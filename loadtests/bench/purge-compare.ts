/**
 * The purge bench against a baseline build in the same run (issue 13: throughput and
 * 202 → applied p99 within 10% of main's). `BENCH_PURGE_BASELINE_DIST` names another build's
 * `dist` (e.g. of main: `git archive main | tar -x -C /tmp/base && cd /tmp/base && npm ci && npm run build`);
 * the two control planes run alternately, `BENCH_PURGE_COMPARE_ROUNDS` times each (default 4),
 * under the same options, and both are printed with the ratios of their medians.
 */
import { join } from 'node:path';
import { formatPurgeReport, runPurgeBench, type PurgeBenchContext, type PurgeBenchOptions } from './purge-propagation.js';
import { median } from '../../common/median.js';

/**
 * Rounds per build. Four, not two: one build's sustained purges/s moved by up to 31% between two of
 * its rounds a minute apart here, and both builds fell over six rounds each, from about 6,000 to
 * 3,400-3,900 (2026-12-05), so a median of two called a build 16% slower (0.84x) where six rounds
 * each put it at 0.93x.
 */
export const DEFAULT_PURGE_COMPARE_ROUNDS = 4;

/** BENCH_PURGE_COMPARE_ROUNDS: an integer >= 1, default DEFAULT_PURGE_COMPARE_ROUNDS; a bad value is named. */
export function readPurgeCompareRounds(env: NodeJS.ProcessEnv): number {
  const raw = env['BENCH_PURGE_COMPARE_ROUNDS'];
  if (raw === undefined || raw === '') return DEFAULT_PURGE_COMPARE_ROUNDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_PURGE_COMPARE_ROUNDS: expected an integer >= 1, got ${JSON.stringify(raw)}`);
  return n;
}

export interface PurgeComparison {
  baselineDist: string;
  rounds: Array<{ which: 'baseline' | 'this build'; purgesPerSecond: number; p99Ms: number }>;
  text: string;
}

export async function comparePurgeBench(o: PurgeBenchOptions, ctx: PurgeBenchContext, baselineDist: string, roundsEach: number): Promise<PurgeComparison> {
  const rounds: PurgeComparison['rounds'] = [];
  const lines: string[] = [];
  for (let i = 0; i < roundsEach; i++) {
    // Alternate which goes first, so neither always gets the quieter half of a noisy machine.
    const order: Array<'baseline' | 'this build'> = i % 2 === 0 ? ['baseline', 'this build'] : ['this build', 'baseline'];
    for (const which of order) {
      const r = await runPurgeBench(o, { ...ctx, ...(which === 'baseline' ? { controlPlaneMain: join(baselineDist, 'control-plane', 'main.js') } : {}) });
      rounds.push({ which, purgesPerSecond: r.sustained?.acceptedPerSecond ?? 0, p99Ms: r.sequential.fromAcceptedMs.p99 });
      lines.push(`--- ${which} (round ${i + 1}${which === 'baseline' ? `, ${baselineDist}` : ''})`, formatPurgeReport(r));
    }
  }
  const of = (which: 'baseline' | 'this build') => rounds.filter((r) => r.which === which);
  const rate = (which: 'baseline' | 'this build') => median(of(which).map((r) => r.purgesPerSecond));
  const p99 = (which: 'baseline' | 'this build') => median(of(which).map((r) => r.p99Ms));
  const rateRatio = rate('this build') / rate('baseline');
  const p99Ratio = p99('this build') / p99('baseline');
  lines.push(
    `purge comparison, median of ${roundsEach} alternating rounds each:`,
    `  sustained purges/s   baseline ${Math.round(rate('baseline'))}  this build ${Math.round(rate('this build'))}  ratio ${rateRatio.toFixed(2)}  (runs: ${of('baseline').map((r) => Math.round(r.purgesPerSecond)).join(', ')} / ${of('this build').map((r) => Math.round(r.purgesPerSecond)).join(', ')}) ${rateRatio >= 0.9 ? 'within 10% or better' : 'MORE THAN 10% LOWER'}`,
    `  202 -> applied p99   baseline ${p99('baseline').toFixed(2)} ms  this build ${p99('this build').toFixed(2)} ms  ratio ${p99Ratio.toFixed(2)}  (runs: ${of('baseline').map((r) => r.p99Ms.toFixed(2)).join(', ')} / ${of('this build').map((r) => r.p99Ms.toFixed(2)).join(', ')}) ${p99Ratio <= 1.1 ? 'within 10% or better' : 'MORE THAN 10% HIGHER'}`,
  );
  return { baselineDist, rounds, text: lines.join('\n') };
}
