/**
 * scripts/run-tests.mjs, `npm test`'s runner, on throwaway test files: what it counts, what it
 * reports for a failing, dying, unloadable or hanging file, and its exit code.
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
  'a/pass.test.mjs': `import { test } from '${UVU}';\ntest('one', () => {});\ntest('two', async () => {});\ntest.run();\n`,
  'fail.test.mjs': `import { test } from '${UVU}';\nimport * as assert from '${ASSERT}';\ntest('fine', () => {});\ntest('sums', () => assert.is(1 + 1, 3));\ntest.run();\n`,
  'die.test.mjs': `import { test } from '${UVU}';\ntest('exits', () => process.exit(3));\ntest.run();\n`,
  'broken.test.mjs': `throw new Error('cannot load this file');\n`,
  'a/hang.test.mjs': `import { test } from '${UVU}';\ntest('waits forever', () => new Promise(() => {}));\ntest.run();\n`,
};

function run(files: string, ...args: string[]): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'run-tests-'));
  try {
    for (const [name, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const r = spawnSync(process.execPath, [script, '--dir', dir, '--files', files, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every file runs and is counted; a failing test, a file that will not load and a worker that dies each fail the run, named', () => {
  const { status, out } = run('pass|fail|die|broken', '--workers', '2');
  assert.is(status, 1, out);
  assert.match(out, /  ok   a\/pass\.test\.mjs \(2\/2, /);
  assert.match(out, / FAIL  fail\.test\.mjs \(1\/2, /);
  assert.match(out, /sums/);
  assert.match(out, / DIED  die\.test\.mjs \(exit code 3\)/);
  assert.match(out, /failed to load broken\.test\.mjs: Error: cannot load this file/);
  assert.match(out, /Total: +4 in 3 files/);
  assert.match(out, /Passed: +3\n/);
  assert.match(out, /\n3 failures:\n/);
});

test('a clean run exits 0', () => {
  const { status, out } = run('pass', '--workers', '3');
  assert.is(status, 0, out);
  assert.match(out, /1 file on 1 worker\n/);
  assert.match(out, /Passed: +2\n/);
});

test('a file that never ends is reported as hung and its worker killed', () => {
  const { status, out } = run('hang|pass', '--workers', '1', '--hang-minutes', '0.005');
  assert.is(status, 1, out);
  assert.match(out, /a\/hang\.test\.mjs: still running after 0\.005 min/);
  // It is first in the queue (files run in name order); the rest go on in a new worker.
  assert.match(out, /  ok   a\/pass\.test\.mjs \(2\/2, /);
});

test('bad arguments: one line naming the option, exit 2', () => {
  const r = spawnSync(process.execPath, [script, '--workers', '0'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /^run-tests: --workers \(or TEST_WORKERS\) must be a whole number of at least 1\n/);
});

test.run();
