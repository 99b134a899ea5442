#!/usr/bin/env node
/**
 * cdn-sim: runs the real edge, origin and control-plane code on virtual time.
 *
 *   cdn-sim run <scenario.json> --seed N [--break purge-replay|lease|collapsing] [--out DIR]
 *   cdn-sim swarm --seeds N [--first-seed S] [--workers N] [--timeline] [--scenario <scenario.json>] [--break ...]
 *
 * `run` prints the seed and every option first, a summary table and checker verdicts, writes
 * DIR/<name>-<seed>.{json,jsonl,html}, and prints `trace-hash: <hex>` last. Exit codes: 0 all
 * checkers pass, 1 correctness failure, 2 liveness failure, 3 the simulated code crashed, 64 usage.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { htmlReport } from './report/html.js';
import { EXIT, exitCodeOf, runScenario, type RunReport } from './run.js';
import { loadScenario, parseScenario, ScenarioError, type Scenario } from './scenario/schema.js';
import { swarmScenario } from './swarm.js';
import { runSwarmSeeds } from './swarm-pool.js';
import { missingSwarmFlags, relaunchWith } from './swarm-node-flags.js';
import { epochNowMs, threadCpuMs, timelineSummary, workerLines, type SeedSpan } from './swarm-timeline.js';
import { unreachedMarks } from './swarm-marks.js';
import { BREAKS, type Break } from './world/world.js';

interface Args {
  command: string;
  scenario: string | undefined;
  seed: number;
  seeds: number;
  /** swarm runs seeds firstSeed .. firstSeed + seeds - 1 (default 1), so a later batch can explore new ones. */
  firstSeed: number;
  /** swarm: worker threads (default: one per core). */
  workers: number;
  /** swarm: print where the wall time went (sim/swarm-timeline.ts) and write the spans to <out>/swarm/timeline.json. */
  timeline: boolean;
  breaks: Break[];
  out: string;
}

const USAGE = `usage: cdn-sim run <scenario.json> --seed N [--break ${BREAKS.join('|')}] [--out DIR]
       cdn-sim swarm --seeds N [--first-seed S] [--workers N] [--timeline] [--scenario FILE] [--break ...] [--out DIR]
       cdn-sim --help
`;

/** Printed for --help: what each command does, its options and exit codes. */
const HELP = `cdn-sim: runs the real edge, origin and control-plane code on virtual time.

${USAGE}
Commands:
  run <scenario.json>     one run from one seed: prints the seed and options, a summary, checker
                          verdicts and trace-hash; writes DIR/<name>-<seed>.{json,jsonl,html}
  swarm                   many runs, one generated scenario per seed (or --scenario's, reseeded)

Options:
  --seed N                run: the seed (default 1)
  --seeds N               swarm: how many seeds (default 100)
  --first-seed S          swarm: first seed (default 1)
  --workers N             swarm: worker threads running seeds (default: cores, here ${availableParallelism()}); the swarm
                          restarts itself with --single-threaded-gc and --no-concurrent-recompilation
                          when every core runs a seed, and with --max-semi-space-size=64 for one
                          worker (sim/swarm-node-flags.ts)
  --scenario FILE         swarm: base scenario instead of a generated one
  --timeline              swarm: per-worker start-up, busy, thread CPU and idle-at-end times
  --break NAME            deliberately break one mechanism (${BREAKS.join(', ')}); repeatable
  --out DIR               output directory (default sim-out)
  --help, -h              print this help

Exit codes: 0 all checkers pass, 1 correctness failure, 2 liveness failure, 3 crash,
4 swarm: a coverage mark its scenarios named was never reached, 64 usage.
`;

function usage(message: string): never {
  process.stderr.write(`cdn-sim: ${message}\n${USAGE}`);
  process.exit(EXIT.usage);
}

function parseArgs(argv: string[]): Args {
  if (argv[0] === 'help' || argv.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(HELP);
    process.exit(EXIT.ok);
  }
  const [command, ...rest] = argv;
  if (command !== 'run' && command !== 'swarm') usage(`unknown command ${JSON.stringify(command ?? '')}`);
  const args: Args = { command, scenario: undefined, seed: 1, seeds: 100, firstSeed: 1, workers: availableParallelism(), timeline: false, breaks: [], out: 'sim-out' };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const int = (name: string): number => {
      const v = value();
      if (!/^\d+$/.test(v)) usage(`${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
      return Number(v);
    };
    if (a === '--seed') args.seed = int('--seed');
    else if (a === '--seeds') args.seeds = int('--seeds');
    else if (a === '--first-seed') args.firstSeed = int('--first-seed');
    else if (a === '--workers') {
      args.workers = int('--workers');
      if (args.workers < 1) usage('--workers: expected at least 1, got 0');
    }
    else if (a === '--timeline') args.timeline = true;
    else if (a === '--out') args.out = value();
    else if (a === '--scenario') args.scenario = value();
    else if (a === '--break') {
      const b = value();
      if (!(BREAKS as readonly string[]).includes(b)) usage(`--break: expected one of ${BREAKS.join(', ')}, got ${JSON.stringify(b)}`);
      args.breaks.push(b as Break);
    } else if (!a.startsWith('--') && args.scenario === undefined) args.scenario = a;
    else usage(`unknown option ${a}`);
  }
  if (command === 'run' && args.scenario === undefined) usage('run needs a scenario file');
  return args;
}

/** The checker(s) each broken variant is meant to be caught by (sim/README.md). */
const CAUGHT_BY: Record<Break, string[]> = {
  collapsing: ['origin-load'],
  lease: ['purge-safety'],
  'purge-replay': ['purge-safety', 'convergence'],
  handoff: ['membership-origin'],
  freshness: ['freshness'],
  routing: ['routing'],
  local: ['local'],
  convergence: ['convergence'],
};

function replayCommand(scenarioPath: string, seed: number, breaks: readonly Break[]): string {
  return `npx cdn-sim run ${scenarioPath} --seed ${seed}${breaks.map((b) => ` --break ${b}`).join('')}`;
}

function summaryTable(r: RunReport): string {
  const s = r.summary;
  const rows: Array<[string, string]> = [
    ['simulated time', `${(r.simulatedMs / 1000).toFixed(1)} s (${(r.simulatedMs / r.wallMs).toFixed(1)}x wall, ${r.events} events)`],
    ['client requests', String(s.clientRequests)],
    ['hit ratio', s.hitRatio.toFixed(4)],
    ['origin requests', String(s.originRequests)],
    ['offload (1 - origin/client)', s.offload.toFixed(4)],
    ['latency p50 / p99', `${s.latencyMsP50.toFixed(1)} / ${s.latencyMsP99.toFixed(1)} ms`],
    ['errors (5xx, resets)', String(s.errors)],
    ['purges', String(s.purges)],
    ['purge apply lag p50 / p99 / max', `${s.purgeLagMsP50.toFixed(0)} / ${s.purgeLagMsP99.toFixed(0)} / ${s.purgeLagMsMax.toFixed(0)} ms`],
    ...r.verdicts.map((v): [string, string] => [`check ${v.name}`, v.ok ? 'pass' : `FAIL (${v.kind}, ${v.violations} violations)`]),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

async function runOne(args: Args, scenario: Scenario, scenarioPath: string, seed: number, write: boolean): Promise<RunReport> {
  let fd: number | undefined;
  let buffer: string[] = [];
  const base = join(args.out, `${scenario.name}-${seed}`);
  if (write) {
    mkdirSync(args.out, { recursive: true });
    fd = openSync(`${base}.jsonl`, 'w');
  }
  const flush = (): void => {
    if (fd !== undefined && buffer.length > 0) writeSync(fd, buffer.join('\n') + '\n');
    buffer = [];
  };
  const report = await runScenario(scenario, {
    seed,
    breaks: new Set(args.breaks),
    wallClockMs: () => performance.now(),
    ...(write
      ? {
          traceLine: (line: string) => {
            buffer.push(line);
            if (buffer.length >= 4096) flush();
          },
        }
      : {}),
  });
  if (fd !== undefined) {
    flush();
    closeSync(fd);
    writeFileSync(`${base}.json`, JSON.stringify(report, null, 2));
    writeFileSync(`${base}.html`, htmlReport(report, replayCommand(scenarioPath, seed, args.breaks)));
  }
  return report;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.command === 'run') {
    const path = args.scenario!;
    let scenario: Scenario;
    try {
      scenario = loadScenario(path);
    } catch (err) {
      if (err instanceof ScenarioError) usage(err.message);
      throw err;
    }
    process.stdout.write(`seed: ${args.seed}\nscenario: ${path} (${scenario.name})\nbreak: ${args.breaks.length === 0 ? 'none' : args.breaks.join(',')}\nout: ${args.out}\noptions: ${JSON.stringify(scenario)}\n`);
    const report = await runOne(args, scenario, path, args.seed, true);
    process.stdout.write(`${summaryTable(report)}\n`);
    for (const v of report.verdicts) for (const e of v.examples) process.stdout.write(`  ${v.name}: ${e}\n`);
    const base = join(args.out, `${scenario.name}-${args.seed}`);
    process.stdout.write(`report: ${base}.json ${base}.html\ntrace: ${base}.jsonl\n`);
    const code = exitCodeOf(report);
    if (report.crash !== undefined) process.stdout.write(`crash: ${report.crash}\n`);
    if (code !== EXIT.ok) process.stdout.write(`FAILED (exit ${code}); replay: ${replayCommand(path, args.seed, args.breaks)}\n`);
    process.stdout.write(`trace-hash: ${report.traceHash}\n`);
    process.exitCode = code;
    return;
  }
  // swarm
  const flags = missingSwarmFlags(args.workers, availableParallelism(), process.execArgv);
  if (flags.length > 0) {
    process.exitCode = await relaunchWith(flags);
    return;
  }
  const base = args.scenario === undefined ? undefined : loadScenario(args.scenario);
  const lastSeed = args.firstSeed + args.seeds - 1;
  process.stdout.write(`swarm: seeds ${args.firstSeed}..${lastSeed}\nworkers: ${args.workers}\nscenario: ${args.scenario ?? '(generated per seed)'}\nbreak: ${args.breaks.length === 0 ? 'none' : args.breaks.join(',')}\nout: ${args.out}\n`);
  const started = performance.now();
  const startedEpochMs = epochNowMs();
  const cpuBefore = process.cpuUsage();
  const mainCpuBeforeMs = threadCpuMs();
  const spans: SeedSpan[] = [];
  mkdirSync(join(args.out, 'swarm'), { recursive: true });
  const seeds: number[] = [];
  for (let seed = args.firstSeed; seed <= lastSeed; seed++) seeds.push(seed);
  const scenarioPath = (seed: number): string => join(args.out, 'swarm', `swarm-${seed}.json`);
  const results = await runSwarmSeeds({ seeds, workers: args.workers, base, breaks: args.breaks }, (r, span) => {
    spans.push(span);
    if (r.code === EXIT.ok) return;
    // Only failing seeds get their scenario written: it is what the replay command reads.
    writeFileSync(scenarioPath(r.seed), JSON.stringify(swarmScenario(r.seed, base), null, 2));
    process.stdout.write(`seed ${r.seed}: FAIL (${r.failed}) ${r.example} replay: ${replayCommand(scenarioPath(r.seed), r.seed, args.breaks)}\n`);
  });
  const failures = results.filter((r) => r.code !== EXIT.ok).length;
  let worst: number = Math.max(EXIT.ok, ...results.map((r) => r.code));
  const wallS = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`swarm: ${failures} of ${args.seeds} seeds failed in ${wallS} s wall\n`);
  if (args.timeline) {
    const endedEpochMs = epochNowMs();
    const cpu = process.cpuUsage(cpuBefore);
    const lines = workerLines(spans, startedEpochMs, endedEpochMs);
    // With one worker the seeds ran in the main thread: its CPU outside them is what is left.
    const seedsInMainMs = args.workers === 1 ? lines.reduce((sum, l) => sum + l.threadCpuMs, 0) : 0;
    process.stdout.write(timelineSummary(lines, threadCpuMs() - mainCpuBeforeMs - seedsInMainMs, (cpu.user + cpu.system) / 1000, endedEpochMs - startedEpochMs));
    writeFileSync(join(args.out, 'swarm', 'timeline.json'), JSON.stringify(spans.sort((a, b) => a.startMs - b.startMs), null, 1));
  }
  if (args.breaks.length > 0) {
    // A broken variant is meant to be caught by its own checker: the share of seeds where that
    // checker failed is the figure (other failures do not count as catching it).
    for (const b of args.breaks) {
      const catchers = CAUGHT_BY[b];
      const caught = results.filter((r) => r.failed.split(',').some((name) => catchers.includes(name))).length;
      process.stdout.write(`catch rate: --break ${b} caught by ${catchers.join(' or ')} on ${caught} of ${args.seeds} seeds (${((100 * caught) / Math.max(1, args.seeds)).toFixed(0)}%)\n`);
    }
  } else {
    const unreached = unreachedMarks(results);
    for (const u of unreached) process.stdout.write(`swarm: mark ${u.mark} never reached (named by ${u.namedBy} of ${args.seeds} seeds, first ${u.firstSeed})\n`);
    if (unreached.length > 0 && worst === EXIT.ok) worst = EXIT.coverage;
  }
  process.exitCode = worst;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`cdn-sim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.crash);
  });
}
