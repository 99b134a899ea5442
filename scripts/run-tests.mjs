#!/usr/bin/env node
/**
 * `npm test`'s runner: the uvu test files under dist/test (found by uvu's own parser, the files
 * `uvu dist/test ".test.js$"` ran) shared out to worker processes, each taking the next file
 * from one queue, so the suite's wall time is divided by the cores instead of summed on one.
 * Run alone on one process, the suite took 148 s on a 2-vCPU machine (2026-12-04), over the two
 * minutes the suite is allowed.
 *
 * `node scripts/run-tests.mjs [--workers N] [--files REGEX] [--dir DIR] [--hang-minutes M]`
 *   --workers N       worker processes (default: the cores, at most 4; env TEST_WORKERS)
 *   --files REGEX     only the test files (*.test.js, *.test.mjs) whose path under the directory
 *                     matches, e.g. '^sim/' (default: all)
 *   --dir DIR         where the test files are (default dist/test)
 *   --hang-minutes M  a file still running after M minutes is reported as hung and its worker
 *                     killed (default 10)
 *
 * Prints a line per file as it ends (tests, time), every failure in full, then the totals and the
 * slowest files. Exits 1 when a test failed, a file failed to load, a worker died, a file hung or
 * a worker would not exit after its last file (a handle left open).
 * Each worker runs its files one after the other in one process, as uvu's CLI runs all of them,
 * so a file sees the same kind of process it always did; `npm run test:stress` runs whole suites
 * side by side to show no test depends on running alone.
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'uvu/parse';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORKER = join(root, 'scripts', 'run-tests-worker.mjs');

const USAGE = `usage: node scripts/run-tests.mjs [--workers N] [--files REGEX] [--dir DIR] [--hang-minutes M]
  --workers N       worker processes (default: the cores, at most 4; env TEST_WORKERS)
  --files REGEX     only the test files (*.test.js, *.test.mjs) whose path under the directory matches (default: all)
  --dir DIR         where the test files are (default dist/test)
  --hang-minutes M  report a file still running after M minutes as hung (default 10)`;

/** What a test file is called: the files `uvu dist/test ".test.js$"` ran, and .mjs ones. */
const TEST_FILE = /\.test\.m?js$/;

/**
 * Files that take seconds (whole simulated runs, real processes, e2e regions) start first, so the
 * queue ends on short files and no worker finishes long after the others.
 */
const SLOW_FIRST = /^(sim|local-region|deploy)[\\/]|e2e|main[-.]/;

function parseArgs(argv) {
  const envWorkers = process.env['TEST_WORKERS'];
  const options = { workers: envWorkers === undefined ? Math.min(availableParallelism(), 4) : Number(envWorkers), files: '', dir: join(root, 'dist', 'test'), hangMinutes: 10 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg === '--workers') options.workers = Number(value());
    else if (arg === '--files') options.files = value();
    else if (arg === '--dir') options.dir = value();
    else if (arg === '--hang-minutes') options.hangMinutes = Number(value());
    else fail(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(options.workers) || options.workers < 1) fail('--workers (or TEST_WORKERS) must be a whole number of at least 1');
  if (!(options.hangMinutes > 0)) fail('--hang-minutes must be a positive number');
  return options;
}

function fail(message) {
  process.stderr.write(`run-tests: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));
let only;
try {
  only = new RegExp(options.files, 'i');
} catch (err) {
  fail(`--files: ${err.message}`);
}
const { suites: found } = await parse(options.dir, TEST_FILE.source).catch(() => ({ suites: [] }));
const suites = found.filter((s) => only.test(s.name));
if (suites.length === 0) fail(`no test files under ${options.dir}${options.files === '' ? '' : ` match ${options.files}`} (run \`npm run build\` first)`);
const queue = [...suites.filter((s) => SLOW_FIRST.test(s.name)), ...suites.filter((s) => !SLOW_FIRST.test(s.name))];

const started = performance.now();
const totals = { tests: 0, passed: 0, skipped: 0, files: 0 };
const failures = [];
const timings = [];
const STDOUT_TAIL = 4096;
const EXIT_GRACE_MS = 30_000;

/** One worker process: takes files from the queue until it is empty; replaced if it dies or hangs. */
function startWorker() {
  return new Promise((resolveWorker) => {
    const child = fork(WORKER, [], { cwd: root, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    // uvu's progress dots and what tests print: kept only to explain a worker that dies.
    let tail = '';
    const keep = (chunk) => void (tail = (tail + chunk.toString()).slice(-STDOUT_TAIL));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let current;
    let ready = false;
    /** Set when this runner kills the worker (a hung file, a worker that would not exit). */
    let killed = false;
    let hangTimer;
    let exitTimer;
    /** The files this worker took, for the report of a worker that would not exit. */
    const ran = [];
    const next = () => {
      clearTimeout(hangTimer);
      current = queue.shift();
      if (current === undefined) {
        // The worker exits once nothing holds its event loop; one that does not was left a handle
        // (a server, a socket, a timer) by a file it ran, which would hang a plain uvu run too.
        child.disconnect();
        exitTimer = setTimeout(() => {
          failures.push(`a worker did not exit ${EXIT_GRACE_MS / 1000} s after its last file: one of the files it ran left a handle open (${ran.slice(-5).join(', ')}${ran.length > 5 ? ', ...' : ''})`);
          killed = true;
          child.kill('SIGKILL');
        }, EXIT_GRACE_MS);
        return;
      }
      ran.push(current.name);
      current.startedAt = performance.now();
      hangTimer = setTimeout(() => {
        failures.push(`${current.name}: still running after ${options.hangMinutes} min; its worker was killed (last output: ${tail.slice(-500)})`);
        const hung = current;
        current = undefined;
        killed = true;
        child.kill('SIGKILL');
        timings.push([hung.name, performance.now() - hung.startedAt]);
      }, options.hangMinutes * 60_000);
      child.send({ file: current.file, name: current.name });
    };
    child.on('message', (m) => {
      if (m.ready === true) {
        ready = true;
        return next();
      }
      if (current === undefined) return;
      const ms = performance.now() - current.startedAt;
      totals.files++;
      totals.tests += m.total;
      totals.passed += m.passed;
      totals.skipped += m.skipped;
      timings.push([m.name, ms]);
      const ok = m.errors.length === 0;
      process.stdout.write(`${ok ? '  ok  ' : ' FAIL '} ${m.name} (${m.passed}/${m.total}${m.skipped > 0 ? `, ${m.skipped} skipped` : ''}, ${(ms / 1000).toFixed(2)} s)\n`);
      if (!ok) {
        failures.push(`${m.name}:\n${m.errors}`);
        process.stdout.write(`${m.errors}\n`);
      }
      tail = '';
      next();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(hangTimer);
      clearTimeout(exitTimer);
      // A process the worker started with inherited output must not keep this runner waiting.
      child.stdout.destroy();
      child.stderr.destroy();
      const how = signal ?? `exit code ${code}`;
      if (current !== undefined) {
        // Exit code 0 mid-file: nothing was left to wait for, so a test awaited what could never happen.
        const why = code === 0 ? ': a test awaited something that can never happen' : '';
        failures.push(`${current.name}: its worker died (${how}${why}) while running it; last output:\n${tail}`);
        process.stdout.write(` DIED  ${current.name} (${how}${why})\n${tail}\n`);
        current = undefined;
      } else if (ready && !killed && (code !== 0 || signal !== null)) {
        // After its last file: an error thrown outside any test, by a timer or a promise a file left.
        failures.push(`a worker exited with ${how} after its last file (one of: ${ran.slice(-5).join(', ')}): an error thrown outside any test; last output:\n${tail}`);
        process.stdout.write(` DIED  after ${ran.at(-1)} (${how})\n${tail}\n`);
      }
      if (!ready) {
        // Not one file taken: a new worker would die the same way.
        failures.push(`a worker died before taking a file (${signal ?? `exit code ${code}`}):\n${tail}`);
        resolveWorker(undefined);
        return;
      }
      // Whatever the queue still holds goes to a new worker.
      resolveWorker(queue.length > 0 ? startWorker() : undefined);
    });
  });
}

const workers = Math.min(options.workers, queue.length);
process.stdout.write(`run-tests: ${queue.length} file${queue.length === 1 ? '' : 's'} on ${workers} worker${workers === 1 ? '' : 's'}\n`);
await Promise.all(Array.from({ length: workers }, () => startWorker()));

const seconds = ((performance.now() - started) / 1000).toFixed(1);
const slowest = timings.sort((a, b) => b[1] - a[1]).slice(0, 5).map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
process.stdout.write(`\n  Total:     ${totals.tests} in ${plural(totals.files, 'file')}\n  Passed:    ${totals.passed}\n  Skipped:   ${totals.skipped}\n  Duration:  ${seconds} s on ${plural(workers, 'worker')}\n  Slowest:   ${slowest.join(', ')}\n`);
if (queue.length > 0) failures.push(`${queue.length} file${queue.length === 1 ? '' : 's'} never ran: ${queue.map((f) => f.name).join(', ')}`);
if (failures.length > 0) {
  process.stdout.write(`\n${failures.length} failure${failures.length === 1 ? '' : 's'}:\n${failures.map((f) => `  ${f.split('\n')[0]}`).join('\n')}\n`);
  process.exitCode = 1;
}
// Nothing this runner started is still running; a grandchild holding a pipe must not delay the exit.
process.exit();
