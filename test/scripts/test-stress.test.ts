/**
 * scripts/test-stress.mjs: its reading of uvu's output (which file, which test, why) and its
 * command line. The runs themselves are what `npm run test:stress` is for; nothing here runs one.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(root, 'scripts', 'test-stress.mjs');

interface Parsed {
  failures: Array<{ file: string; test: string; why: string }>;
  totals?: { total: number; passed?: number };
}
interface Run extends Parsed {
  hung: boolean;
  code: number | null;
  signal: string | null;
}
const { parseUvuOutput, runVerdict } = (await import(pathToFileURL(script).href)) as {
  parseUvuOutput: (text: string) => Parsed;
  runVerdict: (r: Run, files: string) => { verdict: string; ok: boolean; crashed: boolean };
};

/** What uvu 0.5 printed for a file with one failing test (colours on, as on a terminal). */
const UVU_OUTPUT = [
  '\u001b[1m\u001b[4m\u001b[37medge/pipeline/collapsing.e2e.test.js\u001b[22m\u001b[24m\u001b[39m',
  '\u001b[90m• \u001b[39m\u001b[31m✘ \u001b[39m\u001b[31m  (1 / 2)',
  '\u001b[39m',
  '  \u001b[1m\u001b[41m FAIL \u001b[22m\u001b[49m \u001b[2m"\u001b[22m\u001b[31m\u001b[1mwaiters share "the" failure\u001b[39m\u001b[22m\u001b[2m"\u001b[22m',
  '    Expected values to be strictly equal:\u001b[3m\u001b[2m  (is)\u001b[23m\u001b[22m',
  '',
  '        \u001b[32m++1    \u001b[2m\u001b[3m(Expected)\u001b[22m\u001b[23m\u001b[39m',
  '        \u001b[31m--20   \u001b[2m\u001b[3m(Actual)\u001b[22m\u001b[23m\u001b[39m',
  '    at assert (file:///x/node_modules/uvu/assert/index.mjs:33:8)',
  'origin/handler.test.js',
  '• • •   (3 / 3)',
  '',
  '  Total:     5',
  '  Passed:    4',
  '  Skipped:   0',
].join('\n');

test('parseUvuOutput names the failing test, its file and why, and reads the totals', () => {
  const parsed = parseUvuOutput(UVU_OUTPUT);
  assert.equal(parsed.failures, [
    { file: 'edge/pipeline/collapsing.e2e.test.js', test: 'waiters share "the" failure', why: 'Expected values to be strictly equal:  (is) / ++1    (Expected) / --20   (Actual)' },
  ]);
  assert.equal(parsed.totals, { total: 5, passed: 4 });
});

test('parseUvuOutput: a clean run has no failures', () => {
  assert.equal(parseUvuOutput('origin/handler.test.js\n• •   (2 / 2)\n\n  Total:     2\n  Passed:    2\n').failures, []);
});

test('runVerdict: only a run that ran tests and failed none passes; one that ran no test does not', () => {
  const run = (o: Partial<Run>): Run => ({ hung: false, code: 0, signal: null, failures: [], totals: { total: 5, passed: 5 }, ...o });
  assert.equal(runVerdict(run({}), '.test.js$'), { verdict: 'all passed', ok: true, crashed: false });
  const none = runVerdict(run({ totals: { total: 0, passed: 0 } }), 'nomatch.test.js$');
  assert.is(none.ok, false);
  assert.match(none.verdict, /^NO TEST RAN \(does --files "nomatch\.test\.js\$" match/);
  assert.is(runVerdict(run({ totals: undefined }), 'x').ok, false);
  assert.equal(runVerdict(run({ code: 1 }), 'x'), { verdict: 'CRASHED (exit 1)', ok: false, crashed: true });
  assert.equal(runVerdict(run({ code: 1, failures: [{ file: 'a.test.js', test: 't', why: 'w' }] }), 'x'), { verdict: '1 failed', ok: false, crashed: false });
  assert.equal(runVerdict(run({ hung: true, code: null, signal: 'SIGKILL' }), 'x'), { verdict: 'HUNG (killed)', ok: false, crashed: false });
});

test('bad arguments are one line and exit 64; --help exits 0', () => {
  for (const [args, message] of [
    [['--runs', '0'], /--runs: must be a whole number from 1 to 9999, got "0"/],
    [['--runs'], /--runs: needs a value/],
    [['--fast'], /unknown argument "--fast"/],
  ] as const) {
    const run = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' });
    assert.is(run.status, 64, args.join(' '));
    assert.match(run.stderr, message);
  }
  const help = spawnSync(process.execPath, [script, '--help'], { cwd: root, encoding: 'utf8' });
  assert.is(help.status, 0);
  assert.match(help.stdout, /--runs N/);
});

test.run();
