/**
 * The V8 flags a swarm runs under, and relaunching this process with them. Heap and collector
 * flags are fixed when an isolate's heap is set up (setting --single-threaded-gc from a running
 * process aborts V8 when the next worker starts), so the swarm starts a second process with them.
 *
 * - A worker on every core (`--workers N`, N > 1 and N >= cores): --single-threaded-gc and
 *   --no-concurrent-recompilation. V8's parallel scavenger, concurrent marker and optimizing
 *   compiler run on helper threads that need an idle core; with every core running a seed they
 *   only compete with the seeds.
 *   - The collector: 100 seeds from 301, 2 workers on 2 cores, three interleaved rounds (shared
 *     machine): 31.6, 27.9, 35.9 s wall without the flag and 25.5, 24.6, 29.9 s with it;
 *     helper-thread CPU fell from 17-20 s to 9-11 s while the seed threads' own CPU did not rise.
 *   - The compiler: with only the collector's flag, each seed thread was on the CPU 15.7-16.4 s of
 *     its 22 s (40 seeds, `--timeline`), the rest taken by compile threads using 12 s of CPU;
 *     compiling on the seed thread instead, 19.3 of 19.5 s, with 1.3 s on other threads and 9% less
 *     process CPU. 100 seeds from 301, three interleaved rounds: 41.4, 39.4, 29.6 s wall with the
 *     collector's flag alone, 37.9, 35.3, 30.1 s with both (one worker: 61.1, 50.9, 46.7 s).
 * - One worker: the seeds run in the main thread, which gets the young generation the swarm's
 *   worker threads have (WORKER_YOUNG_GENERATION_MB is three semi-spaces in V8): the same
 *   GC settings for a seed however many workers run it. 100 seeds from 301: 63.2 s with Node's
 *   default 16 MB semi-spaces, 50.1 s with 64 MB (one run each, shared machine).
 * Flags the caller already gave are kept and not given twice.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { WORKER_YOUNG_GENERATION_MB } from './swarm-pool.js';

const SINGLE_THREADED_GC = '--single-threaded-gc';
const NO_CONCURRENT_RECOMPILATION = '--no-concurrent-recompilation';
/** The same V8 flag asked for the other way: a caller who gives it keeps concurrent compiling. */
const CONCURRENT_RECOMPILATION = '--concurrent-recompilation';
const SEMI_SPACE = '--max-semi-space-size';
/** 64 MB: V8's young generation is two semi-spaces and a new large-object space of the same size. */
export const ONE_WORKER_SEMI_SPACE_MB = Math.round(WORKER_YOUNG_GENERATION_MB / 3);

/** The flags `--workers workers` on `cores` cores should run with that `execArgv` does not have yet. */
export function missingSwarmFlags(workers: number, cores: number, execArgv: readonly string[]): string[] {
  // V8 reads --single_threaded_gc and --single-threaded-gc alike.
  const has = (flag: string): boolean => execArgv.map((a) => a.replaceAll('_', '-')).some((a) => a === flag || a.startsWith(`${flag}=`));
  if (workers === 1) return has(SEMI_SPACE) ? [] : [`${SEMI_SPACE}=${ONE_WORKER_SEMI_SPACE_MB}`];
  if (workers < cores) return [];
  const missing: string[] = [];
  if (!has(SINGLE_THREADED_GC)) missing.push(SINGLE_THREADED_GC);
  if (!has(NO_CONCURRENT_RECOMPILATION) && !has(CONCURRENT_RECOMPILATION)) missing.push(NO_CONCURRENT_RECOMPILATION);
  return missing;
}

/**
 * Runs this same command again in a child Node with `flags` added, output shared, and resolves
 * to the exit code to leave with. SIGINT and SIGTERM are passed on, so stopping the parent stops
 * the run.
 */
export function relaunchWith(flags: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], { stdio: 'inherit' });
  const pass = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', pass);
  process.on('SIGTERM', pass);
  return new Promise<number>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolvePromise(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  });
}
