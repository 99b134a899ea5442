/**
 * Child processes for the bench: spawned (optionally pinned with `taskset -c N`), awaited until
 * they print their listening line, CPU time read from /proc/<pid>/stat, and always killed when
 * the bench exits, however it exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

export interface Spawned {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Everything the child printed to stdout so far. */
  stdout(): string;
  /** The last few KiB of stderr, for error messages. */
  stderrTail(): string;
  /** Resolves with the exit code (or signal name) once the child has exited. */
  exited: Promise<number | string>;
  /**
   * Resolves once everything the child printed is in SpawnOptions.logFile (at once without one): when
   * its pipes close, so a logged process must not leave descendants holding them (node servers do not).
   */
  logged: Promise<void>;
}

const live = new Set<ChildProcess>();
/**
 * Processes a child started that outlive it when it is killed: nginx's worker keeps running (and
 * serving) after a SIGKILLed master. Killed with their parent, before it.
 */
const descendants = new Map<ChildProcess, number[]>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, killing children\n`);
      process.exit(130);
    });
  }
}

/** Synchronous, so it works inside process.on('exit'). */
export function killAllChildren(): void {
  for (const pids of descendants.values()) killPids(pids);
  descendants.clear();
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  live.clear();
}

export interface SpawnOptions {
  name: string;
  /** CPU to pin to with taskset; undefined runs unpinned. */
  cpu: number | undefined;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Also appends everything the process prints (stdout and stderr) to this file (`--server-logs`). */
  logFile?: string;
}

export function spawnProcess(o: SpawnOptions): Spawned {
  installExitHook();
  // taskset execs the command, so the pid we get is the pinned process itself.
  const [command, args] = o.cpu === undefined ? [o.command, [...o.args]] : ['taskset', ['-c', String(o.cpu), o.command, ...o.args]];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env });
  if (child.pid === undefined) throw new Error(`${o.name}: could not spawn ${command}`);
  live.add(child);
  let out = '';
  let err = '';
  const log = o.logFile === undefined ? undefined : createWriteStream(o.logFile, { flags: 'a' });
  log?.on('error', (e) => process.stderr.write(`${o.name}: cannot write its log ${o.logFile}: ${e.message}\n`));
  // All of stdout is kept (waitForLine reads it): with --trace-gc in BENCH_EDGE_NODE_FLAGS that is
  // tens of MB over a whole bench, so tracing is for runs that look into a figure.
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    log?.write(chunk);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-8192);
    log?.write(chunk);
  });
  // After 'close' no more output comes (exit can come before the pipes are drained).
  const logged = new Promise<void>((resolve) => {
    if (log === undefined) return resolve();
    log.once('close', () => resolve());
    child.on('close', () => log.end());
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.on('error', (e) => {
      live.delete(child);
      err += `\nspawn error: ${e.message}`;
      resolve('spawn-error');
    });
  });
  return { name: o.name, pid: child.pid, child, stdout: () => out, stderrTail: () => err, exited, logged };
}

/** Waits for a stdout line matching `pattern`; rejects if the child exits first or time runs out. */
export function waitForLine(p: Spawned, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = pattern.exec(p.stdout());
      if (m === null) return false;
      cleanup();
      resolve(m);
      return true;
    };
    const onData = (): void => void check();
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${p.name}: no line matching ${pattern} within ${timeoutMs} ms; stderr: ${p.stderrTail()}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      p.child.stdout!.off('data', onData);
    };
    p.child.stdout!.on('data', onData);
    void p.exited.then((code) => {
      if (check()) return;
      cleanup();
      reject(new Error(`${p.name} exited (${code}) before printing ${pattern}; stderr: ${p.stderrTail()}`));
    });
    check();
  });
}

/** `pid`, started by `p`, is killed whenever `p` is (stopProcess, or the bench exiting). */
export function killWith(p: Spawned, pid: number): void {
  descendants.set(p.child, [...(descendants.get(p.child) ?? []), pid]);
}

function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Kills a child (and the processes killWith tied to it). With `graceMs`, sends SIGTERM first and
 * waits that long for it to exit (so a `--cpu-prof` child writes its profile), then SIGKILL.
 */
export async function stopProcess(p: Spawned, graceMs = 0): Promise<void> {
  killPids(descendants.get(p.child) ?? []);
  descendants.delete(p.child);
  if (p.child.exitCode !== null || p.child.signalCode !== null) return void (await p.logged);
  if (graceMs > 0) {
    p.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p.exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    if (p.child.exitCode !== null || p.child.signalCode !== null) return void (await p.logged);
  }
  p.child.kill('SIGKILL');
  await p.exited;
  await p.logged;
}

export interface CpuTicks {
  utimeTicks: number;
  stimeTicks: number;
}

/**
 * Fields 14 and 15 (utime, stime, in clock ticks) of /proc/<pid>/stat, summed over all threads.
 * The command name (field 2) may contain spaces and parentheses, so fields are counted from the
 * last ')'.
 */
export function parseProcStat(text: string): CpuTicks {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  // After ')' come field 3 (state) onwards.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`bad utime/stime in /proc/<pid>/stat: ${text.slice(0, 120)}`);
  return { utimeTicks: utime, stimeTicks: stime };
}

/** undefined once the process is gone. */
export function readCpuTicks(pid: number): CpuTicks | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** CPU utilisation in percent of one CPU: (utime + stime deltas) / ticks per second / wall time. */
export function cpuPercent(before: CpuTicks, after: CpuTicks, clockTicksPerSecond: number, wallMs: number): number {
  if (wallMs <= 0) return 0;
  const ticks = after.utimeTicks + after.stimeTicks - (before.utimeTicks + before.stimeTicks);
  return (ticks / clockTicksPerSecond / (wallMs / 1000)) * 100;
}

let cachedClockTicks: number | undefined;

/** sysconf(_SC_CLK_TCK) via getconf; 100 on every Linux we know of when getconf is missing. */
export function clockTicksPerSecond(): number {
  if (cachedClockTicks !== undefined) return cachedClockTicks;
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  cachedClockTicks = r.status === 0 && Number.isInteger(n) && n > 0 ? n : 100;
  return cachedClockTicks;
}

export interface CpuSample {
  ticks: CpuTicks;
  atMs: number;
}

/**
 * Samples a process's CPU ticks every `intervalMs` until it exits; `last()` is the final sample
 * taken while it was still alive (a reaped process has no /proc entry to read).
 */
export function sampleCpu(pid: number, intervalMs: number, nowMs: () => number): { first: CpuSample | undefined; last(): CpuSample | undefined; stop(): void } {
  const read = (): CpuSample | undefined => {
    const ticks = readCpuTicks(pid);
    return ticks === undefined ? undefined : { ticks, atMs: nowMs() };
  };
  const first = read();
  let last = first;
  const timer = setInterval(() => {
    const s = read();
    if (s !== undefined) last = s;
  }, intervalMs);
  return { first, last: () => last, stop: () => clearInterval(timer) };
}

/** Pins every thread of this (the harness) process, so its own work stays off the server's CPU. */
export function pinSelf(cpu: number): boolean {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { encoding: 'utf8' });
  return r.status === 0;
}

/** True when `command` resolves on PATH. */
export function onPath(command: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}
