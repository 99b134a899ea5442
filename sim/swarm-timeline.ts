/**
 * Where a swarm's wall time goes (`cdn-sim swarm --timeline`): when each worker started and
 * finished each seed, the thread's own CPU time per seed, how long a worker took to load before
 * its first seed, how long it sat idle at the end while others finished, and how much the main
 * thread spent taking results. Diagnostics only: nothing here feeds a seed's run or its hash.
 */
import { readFileSync } from 'node:fs';

/** One seed as one thread ran it. Times are epoch ms (performance.timeOrigin + now), comparable across threads. */
export interface SeedSpan {
  seed: number;
  /** 0-based worker index; 0 for `--workers 1`, which runs in the main thread. */
  worker: number;
  startMs: number;
  endMs: number;
  /** The running thread's user+sys CPU for this seed (10 ms resolution), excluding V8's helper threads. */
  threadCpuMs: number;
}

export interface WorkerLine {
  worker: number;
  seeds: number;
  /** From the run's start to the worker's first seed: thread start-up and module loading. */
  startupMs: number;
  busyMs: number;
  threadCpuMs: number;
  /** From the worker's last seed to the end of the run: the tail. */
  idleAtEndMs: number;
}

/** Epoch ms, the same scale in every thread. */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The calling thread's own user+sys CPU time in ms, from /proc/thread-self/stat (Linux; fields 14
 * and 15 in clock ticks, 100 per second on Linux x86-64). process.cpuUsage() counts every thread of
 * the process, V8's GC and compiler helpers included, so it cannot tell two workers apart. NaN
 * where /proc is not there.
 */
export function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // The command name (field 2) is in parentheses and may contain spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Per-worker lines for a run that started at `runStartMs` and ended at `runEndMs`. */
export function workerLines(spans: readonly SeedSpan[], runStartMs: number, runEndMs: number): WorkerLine[] {
  const byWorker = new Map<number, SeedSpan[]>();
  for (const s of spans) byWorker.set(s.worker, [...(byWorker.get(s.worker) ?? []), s]);
  return [...byWorker.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([worker, own]) => ({
      worker,
      seeds: own.length,
      startupMs: Math.min(...own.map((s) => s.startMs)) - runStartMs,
      busyMs: own.reduce((sum, s) => sum + (s.endMs - s.startMs), 0),
      threadCpuMs: own.reduce((sum, s) => sum + s.threadCpuMs, 0),
      idleAtEndMs: runEndMs - Math.max(...own.map((s) => s.endMs)),
    }));
}

const s1 = (ms: number): string => (ms / 1000).toFixed(1);

/** The `--timeline` summary: a line per worker, then the main thread's and the process's CPU. */
export function timelineSummary(lines: readonly WorkerLine[], mainOtherCpuMs: number, processCpuMs: number, wallMs: number): string {
  const out = lines.map(
    (l) => `timeline: worker ${l.worker}: ${l.seeds} seeds, start-up ${l.startupMs.toFixed(0)} ms, busy ${s1(l.busyMs)} s, thread CPU ${s1(l.threadCpuMs)} s, idle at end ${l.idleAtEndMs.toFixed(0)} ms`,
  );
  const threads = lines.reduce((sum, l) => sum + l.threadCpuMs, 0);
  out.push(`timeline: main thread CPU outside seeds ${mainOtherCpuMs.toFixed(0)} ms; process CPU ${s1(processCpuMs)} s in ${s1(wallMs)} s wall (${(processCpuMs / wallMs).toFixed(2)} cores), of which seed threads ${s1(threads)} s, other threads (GC and compiler helpers, main thread) ${s1(processCpuMs - threads)} s`);
  return out.join('\n') + '\n';
}
