/**
 * scripts/run-tests.mjs, `npm test`'s runner, on throwaway test files: what it counts, what it
 * reports for a failing, dying, unloadable, stuck, hanging or late-throwing file, and its exit code.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(root, 'scripts', 'run-tests.mjs');
const UVU = pathToFileURL(join(root, 'node_modules', 'uvu', 'dist', 'index.mjs')).href;
const ASSERT = pathToFileURL(join(root, 'node_modules', 'uvu', 'assert', 'index.mjs')).href;

const FILES: Record<string, string> = {
  // ES modules, as dist/test's .js files are.
  'package.json': '{ "type": "module" }\n',
  'a/die.test.mjs': `import { test } from '${UVU}';\ntest('exits', () => process.exit(3));\ntest.run();\n`,
  'b/pass.test.js': `import { test } from '${UVU}';\ntest('one', () => {});\ntest('two', async () => {});\ntest.run();\n`,
  'broken.test.mjs': `throw new Error('cannot load this file');\n`,
  'fail.test.mjs': `import { test } from '${UVU}';\nimport * as assert from '${ASSERT}';\ntest('fine', () => {});\ntest('sums', () => assert.is(1 + 1, 3));\ntest.run();\n`,
  'hook.test.mjs': `import { suite } from '${UVU}';\nconst s = suite('hooked');\ns.before(() => { throw new Error('setup failed'); });\ns('never runs', () => {});\ns.run();\n`,
  'stuck.test.mjs': `import { test } from '${UVU}';\ntest('awaits nothing that can happen', () => new Promise(() => {}));\ntest.run();\n`,
  'hang.test.mjs': `import { test } from '${UVU}';\ntest('waits forever', () => new Promise(() => void setInterval(() => {}, 60_000)));\ntest.run();\n`,
  'late.test.mjs': `import { test } from '${UVU}';\ntest('passes, then throws', () => void setImmediate(() => { throw new Error('late'); }));\ntest.run();\n`,
};

function run(files: string, ...args: string[]): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'run-tests-'));
  try {
    for (const [name, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const r = spawnSync(process.execPath, [script, '--dir', dir, '--files', files, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0' } });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every file runs and is counted; each way a file can fail fails the run, named, and the queue goes on after a worker dies', () => {
  // One worker, files in name order: the first one kills it, the rest go to a new worker.
  const { status, out } = run('die|pass|broken|fail|hook|stuck', '--workers', '1');
  assert.is(status, 1, out);
  assert.match(out, / DIED  a\/die\.test\.mjs \(exit code 3\)/);
  assert.match(out, /  ok   b\/pass\.test\.js \(2\/2, /);
  assert.match(out, /failed to load broken\.test\.mjs: Error: cannot load this file/);
  assert.match(out, / FAIL  fail\.test\.mjs \(1\/2, /);
  assert.match(out, /sums/);
  assert.match(out, / FAIL  hook\.test\.mjs \(0\/1, /);
  assert.match(out, /hook\.test\.mjs: 1 of 1 tests did not run/);
  assert.match(out, / DIED  stuck\.test\.mjs \(exit code 0: a test awaited something that can never happen\)/);
  assert.match(out, /Total: +5 in 4 files/);
  assert.match(out, /Passed: +3\n/);
  assert.match(out, /\n5 failures:\n/);
});

test('a clean run exits 0', () => {
  const { status, out } = run('pass', '--workers', '3');
  assert.is(status, 0, out);
  assert.match(out, /1 file on 1 worker\n/);
  assert.match(out, /Passed: +2\n/);
});

test('a file that never ends is reported as hung and its worker killed', () => {
  const { status, out } = run('hang', '--hang-minutes', '0.005');
  assert.is(status, 1, out);
  assert.match(out, /hang\.test\.mjs: still running after 0\.005 min/);
});

test('an error thrown after a file passed, outside any test, fails the run', () => {
  const { status, out } = run('late', '--workers', '1');
  assert.is(status, 1, out);
  assert.match(out, /late\.test\.mjs/);
  assert.match(out, /Error: late/);
});

test('bad arguments: one line naming the option, exit 2', () => {
  const r = spawnSync(process.execPath, [script, '--workers', '0'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /^run-tests: --workers \(or TEST_WORKERS\) must be a whole number of at least 1\n/);
});

test.run();
