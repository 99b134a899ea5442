#!/usr/bin/env node
/**
 * Stability of `npm run bench` across runs (issue 6: ratios within ±10% over three runs):
 *   node dist/loadtests/bench/spread.js run1.json run2.json run3.json
 * reads each run's results.json (written with BENCH_OUT=...), prints each run's summary table and
 * then, per number, every run's value, min, max and the spread ±(max − min) / (max + min).
 */
import { readFileSync } from 'node:fs';
import { formatSpreadTable, formatSummaryTable, spreadRows, type SummaryRow } from './summary.js';

interface RunFile {
  startedAt?: string;
  durationSeconds?: number;
  summary?: SummaryRow[];
}

function main(paths: readonly string[]): void {
  if (paths.length < 2) throw new Error('usage: spread.js results-1.json results-2.json [...]');
  const runs = paths.map((path) => {
    const run = JSON.parse(readFileSync(path, 'utf8')) as RunFile;
    if (!Array.isArray(run.summary)) throw new Error(`${path}: no summary rows (written by an older bench?)`);
    return { path, run, summary: run.summary };
  });
  runs.forEach(({ path, run, summary }, i) => {
    const took = run.durationSeconds === undefined ? '' : `, took ${run.durationSeconds.toFixed(0)} s`;
    process.stdout.write(`run ${i + 1}: ${path} (started ${run.startedAt ?? '?'}${took})\n${formatSummaryTable(summary)}\n\n`);
  });
  process.stdout.write(`spread over ${runs.length} runs: ±(max - min) / (max + min)\n${formatSpreadTable(spreadRows(runs.map((r) => r.summary)))}\n`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`spread: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
