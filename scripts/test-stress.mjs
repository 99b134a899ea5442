#!/usr/bin/env node
/**
 * `npm run test:stress [-- --runs N] [-- --files REGEX] [-- --no-build]`: builds once, then runs
 * the test suite (every file under dist/test by default) N times at once (default 6), so the
 * copies load the machine and each other the way a busy CI host does. Prints, per run, what
 * passed and failed, then every failing test with the number of runs it failed in and its first
 * failure message. Exits 1 when any run failed a test, crashed or hung, else 0.
 *
 * A test that passes here N times out of N under load does not depend on how fast the machine
 * is. A run that outlives --hang-minutes (default 20) is killed and reported as hung: a test
 * waiting on an event that never comes hangs rather than fails, and this is where it shows.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: npm run test:stress -- [--runs N] [--files REGEX] [--no-build] [--hang-minutes M]
  --runs N          copies of the suite run at once (default 6)
  --files REGEX     test files to run, as uvu's pattern under dist/test (default: all, ".test.js$")
  --no-build        skip tsc (dist/ is already current)
  --hang-minutes M  kill a run that takes longer and report it as hung (default 20)`;

function parseArgs(argv) {
  const options = { runs: 6, files: '.test.js$', build: true, hangMinutes: 20 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${arg}: needs a value`);
      return v;
    };
    if (arg === '--runs') options.runs = positiveInt(arg, value());
    else if (arg === '--files') options.files = value();
    else if (arg === '--no-build') options.build = false;
    else if (arg === '--hang-minutes') options.hangMinutes = positiveInt(arg, value());
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument ${JSON.stringify(arg)}`);
  }
  return options;
}

function positiveInt(name, text) {
  if (!/^[1-9][0-9]{0,3}$/.test(text)) fail(`${name}: must be a whole number from 1 to 9999, got ${JSON.stringify(text)}`);
  return Number(text);
}

function fail(message) {
  process.stderr.write(`test:stress: ${message}\n${USAGE}\n`);
  process.exit(64);
}

const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * Reads uvu's output: a line naming a file ("collapsing.e2e.test.js") starts that file's tests,
 * `FAIL "name"` names a failed test, and the lines after it (up to the stack) say why.
 */
export function parseUvuOutput(text) {
  const lines = text.replace(ANSI, '').split('\n');
  const failures = [];
  let file = '(unknown file)';
  let totals;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const header = /^(\S+\.test\.js)$/.exec(line);
    if (header !== null) file = header[1];
    const failed = /^FAIL\s+"(.*)"$/.exec(line);
    if (failed !== null) {
      const why = [];
      for (let j = i + 1; j < lines.length && why.length < 4; j++) {
        const next = lines[j].trim();
        if (next.startsWith('at ')) break;
        if (next !== '') why.push(next);
      }
      failures.push({ file, test: failed[1], why: why.join(' / ') });
    }
    const total = /^Total:\s+(\d+)/.exec(line);
    if (total !== null) totals = { total: Number(total[1]) };
    const passed = /^Passed:\s+(\d+)/.exec(line);
    if (passed !== null && totals !== undefined) totals.passed = Number(passed[1]);
  }
  return { failures, totals };
}

/**
 * One run's verdict: hung, crashed (a non-zero exit with no failed test named), failed, ran no test
 * (a --files pattern that matches no file runs nothing and uvu exits 0: no evidence of stability),
 * or all passed. `ok` only for the last.
 */
export function runVerdict(r, files) {
  const crashed = !r.hung && r.failures.length === 0 && r.code !== 0;
  const ranNone = !r.hung && !crashed && r.failures.length === 0 && (r.totals === undefined || r.totals.total === 0);
  const verdict = r.hung
    ? 'HUNG (killed)'
    : crashed
      ? `CRASHED (exit ${r.code ?? r.signal})`
      : r.failures.length > 0
        ? `${r.failures.length} failed`
        : ranNone
          ? `NO TEST RAN (does --files ${JSON.stringify(files)} match a file under dist/test?)`
          : 'all passed';
  return { verdict, ok: verdict === 'all passed', crashed };
}

function runOnce(index, options) {
  return new Promise((resolve) => {
    const startedMs = Date.now();
    // The build writes a .js.map beside every test: a pattern such as "peer-hop" matches both, and uvu would import the map.
    const child = spawn(process.execPath, [join(root, 'node_modules', 'uvu', 'bin.js'), 'dist/test', options.files, '--ignore', '\\.map$'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    let hung = false;
    const watchdog = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, options.hangMinutes * 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      const parsed = parseUvuOutput(out);
      resolve({ index, code, signal, hung, seconds: (Date.now() - startedMs) / 1000, output: out, ...parsed });
    });
  });
}

function machineState() {
  const [one, five] = loadavg();
  return `${cpus().length} CPUs, load average ${one.toFixed(2)} (1 min) ${five.toFixed(2)} (5 min)`;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.build) {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
    if (tsc.status !== 0) {
      process.stderr.write('test:stress: the build failed\n');
      process.exit(1);
    }
  }
  process.stdout.write(`test:stress: ${options.runs} runs at once of uvu dist/test ${JSON.stringify(options.files)}; machine: ${machineState()}\n`);
  const results = await Promise.all(Array.from({ length: options.runs }, (_, i) => runOnce(i + 1, options)));
  process.stdout.write(`test:stress: all runs done; machine: ${machineState()}\n\n`);

  const byTest = new Map();
  let bad = 0;
  for (const r of results) {
    const { verdict, ok, crashed } = runVerdict(r, options.files);
    if (!ok) bad++;
    const counts = r.totals === undefined ? '' : ` (${r.totals.passed ?? '?'} of ${r.totals.total} passed)`;
    process.stdout.write(`run ${r.index}: ${verdict}${counts} in ${r.seconds.toFixed(1)} s\n`);
    if (r.hung || crashed) process.stdout.write(`  last output: ${r.output.replace(ANSI, '').trim().split('\n').slice(-8).join('\n  ')}\n`);
    for (const f of r.failures) {
      const key = `${f.file} › ${f.test}`;
      const entry = byTest.get(key) ?? { runs: [], why: f.why };
      entry.runs.push(r.index);
      byTest.set(key, entry);
    }
  }
  process.stdout.write('\n');
  if (byTest.size === 0) {
    process.stdout.write(bad === 0 ? `test:stress: every test passed in all ${options.runs} runs\n` : `test:stress: no test failed by name, but ${bad} run(s) did not pass (see above)\n`);
  } else {
    process.stdout.write('failures per test:\n');
    for (const [key, entry] of [...byTest].sort((a, b) => b[1].runs.length - a[1].runs.length)) {
      process.stdout.write(`  ${key}: failed in ${entry.runs.length} of ${options.runs} runs (runs ${entry.runs.join(', ')})\n    first failure: ${entry.why}\n`);
    }
  }
  process.exit(bad === 0 ? 0 : 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
