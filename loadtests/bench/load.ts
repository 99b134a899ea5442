/**
 * One load-generator run against one server: wrk (or the node fallback) pinned to its CPU, and
 * the CPU time both the server and the generator used while it ran.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clockTicksPerSecond, cpuPercent, readCpuTicks, sampleCpu, spawnProcess } from './processes.js';
import { parseResultLine, requestsPerSecond, type GeneratorResult } from './result-line.js';
import { cpuBusy, readSystemCpuTimes, type CpuBusy } from './system-cpu.js';
import type { UrlSet } from './url-set.js';
import { parseWrkSummary, wrkArgs, wrkScript, type WrkSummary } from './wrk.js';

export type GeneratorKind = 'wrk' | 'node';

export interface LoadOptions {
  generator: GeneratorKind;
  /** Path of dist/loadtests/bench/node-generator.js, for the fallback. */
  nodeGeneratorScript: string;
  /** Where wrk Lua scripts are written. */
  tempDir: string;
  baseUrl: string;
  set: UrlSet;
  /** 'browser': the browser-like request header fields (browser-headers.ts); wrk only. */
  requestHeaders?: 'browser' | undefined;
  connections: number;
  durationSeconds: number;
  generatorCpu: number | undefined;
  /** The CPU the server is pinned to, for whole-CPU accounting; undefined when unpinned. */
  serverCpu: number | undefined;
  serverPid: number;
}

export interface LoadRun {
  result: GeneratorResult;
  requestsPerSec: number;
  wrkSummary: WrkSummary | undefined;
  serverCpuPercent: number;
  generatorCpuPercent: number;
  /** The server's whole CPU over the run (all processes, softirq, steal). */
  serverCore: CpuBusy | undefined;
  wallMs: number;
}

const SAMPLE_INTERVAL_MS = 100;

export async function runLoad(o: LoadOptions): Promise<LoadRun> {
  let command: string;
  let args: string[];
  if (o.generator === 'wrk') {
    const scriptPath = join(o.tempDir, `${o.set.kind}-${o.set.kind === 'hot' ? o.set.count : 'one'}${o.requestHeaders === undefined ? '' : `-${o.requestHeaders}`}.lua`);
    writeFileSync(scriptPath, wrkScript(o.set, o.requestHeaders));
    command = 'wrk';
    args = wrkArgs({ baseUrl: o.baseUrl, set: o.set, connections: o.connections, threads: 1, durationSeconds: o.durationSeconds, scriptPath });
  } else {
    if (o.requestHeaders !== undefined) throw new Error(`the node generator cannot send ${o.requestHeaders} request headers; use wrk`);
    command = process.execPath;
    const target = o.set.kind === 'single' ? ['--path', o.set.path] : ['--prefix', o.set.prefix, '--suffix', o.set.suffix, '--count', String(o.set.count)];
    args = [o.nodeGeneratorScript, '--url', o.baseUrl, ...target, '--connections', String(o.connections), '--seconds', String(o.durationSeconds)];
  }

  const ticksPerSecond = clockTicksPerSecond();
  const coreBefore = readSystemCpuTimes().get(o.serverCpu ?? -1);
  const serverBefore = readCpuTicks(o.serverPid);
  const startMs = performance.now();
  const gen = spawnProcess({ name: o.generator === 'wrk' ? 'wrk' : 'node-generator', cpu: o.generatorCpu, command, args });
  const sampler = sampleCpu(gen.pid, SAMPLE_INTERVAL_MS, () => performance.now());
  const code = await gen.exited;
  sampler.stop();
  const wallMs = performance.now() - startMs;
  const serverAfter = readCpuTicks(o.serverPid);
  const coreAfter = readSystemCpuTimes().get(o.serverCpu ?? -1);
  if (serverBefore === undefined || serverAfter === undefined) throw new Error(`server pid ${o.serverPid} died during the run`);

  const stdout = gen.stdout();
  const result = parseResultLine(stdout);
  if (code !== 0 || result === undefined) {
    throw new Error(`${gen.name} exited ${code} without a result line; stdout: ${stdout.slice(-2000)} stderr: ${gen.stderrTail()}`);
  }
  // The generator's CPU is measured from its spawn to its last sample while alive.
  const first = sampler.first;
  const last = sampler.last();
  const generatorCpuPercent =
    first === undefined || last === undefined || last.atMs <= startMs
      ? NaN
      : cpuPercent({ utimeTicks: 0, stimeTicks: 0 }, last.ticks, ticksPerSecond, last.atMs - startMs);
  return {
    result,
    requestsPerSec: requestsPerSecond(result),
    wrkSummary: o.generator === 'wrk' ? parseWrkSummary(stdout) : undefined,
    serverCpuPercent: cpuPercent(serverBefore, serverAfter, ticksPerSecond, wallMs),
    generatorCpuPercent,
    serverCore: coreBefore === undefined || coreAfter === undefined ? undefined : cpuBusy(coreBefore, coreAfter),
    wallMs,
  };
}

/**
 * Rounds of one target as one run: requests and time summed (so the rate is total requests over
 * total time), CPU shares weighted by each round's wall time, and the worst round's latency
 * percentiles, so merging never makes a tail look better than a round that had it.
 */
export function mergeRuns(runs: readonly LoadRun[]): LoadRun {
  if (runs.length === 0) throw new Error('mergeRuns: no runs');
  if (runs.length === 1) return runs[0]!;
  const sum = (f: (r: LoadRun) => number): number => runs.reduce((s, r) => s + f(r), 0);
  const max = (f: (r: LoadRun) => number): number => Math.max(...runs.map(f));
  const wallMs = sum((r) => r.wallMs);
  const weighted = (f: (r: LoadRun) => number): number => sum((r) => f(r) * r.wallMs) / wallMs;
  const g = (k: keyof GeneratorResult): number => sum((r) => r.result[k]);
  const result: GeneratorResult = {
    requests: g('requests'),
    durationUs: g('durationUs'),
    bytes: g('bytes'),
    latencyUsP50: max((r) => r.result.latencyUsP50),
    latencyUsP90: max((r) => r.result.latencyUsP90),
    latencyUsP99: max((r) => r.result.latencyUsP99),
    latencyUsMax: max((r) => r.result.latencyUsMax),
    latencyUsMean: sum((r) => r.result.latencyUsMean * r.result.requests) / Math.max(1, g('requests')),
    errorsConnect: g('errorsConnect'),
    errorsRead: g('errorsRead'),
    errorsWrite: g('errorsWrite'),
    errorsStatus: g('errorsStatus'),
    errorsTimeout: g('errorsTimeout'),
  };
  const cores = runs.map((r) => r.serverCore);
  return {
    result,
    requestsPerSec: requestsPerSecond(result),
    wrkSummary: undefined,
    serverCpuPercent: weighted((r) => r.serverCpuPercent),
    generatorCpuPercent: weighted((r) => r.generatorCpuPercent),
    serverCore: cores.every((c) => c !== undefined)
      ? {
          busyPercent: weighted((r) => r.serverCore!.busyPercent),
          softirqPercent: weighted((r) => r.serverCore!.softirqPercent),
          stealPercent: weighted((r) => r.serverCore!.stealPercent),
        }
      : undefined,
    wallMs,
  };
}

