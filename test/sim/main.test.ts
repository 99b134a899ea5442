/** The cdn-sim binary's command line: help in every spelling exits 0; a bad command exits 64. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../sim/main.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
}

for (const args of [['--help'], ['-h'], ['help'], ['run', '--help'], ['swarm', '--seeds', '3', '--help']]) {
  test(`${args.join(' ')} prints usage and exits 0 without running anything`, () => {
    const result = run(args);
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stderr, '');
    assert.match(result.stdout, /^cdn-sim: runs the real edge/);
    for (const option of ['run <scenario.json>', 'swarm', '--seed N', '--seeds N', '--first-seed', '--workers N', '--scenario', '--break', '--out', 'Exit codes']) {
      assert.ok(result.stdout.includes(option), option);
    }
    assert.not.match(result.stdout, /^seed: /m); // a run prints its seed first
  });
}

test('no command is a usage error: exit 64 and the usage on stderr', () => {
  const result = run([]);
  assert.is(result.status, 64);
  assert.match(result.stderr, /^cdn-sim: unknown command ""\nusage: cdn-sim run/);
  assert.is(result.stdout, '');
});

test('swarm --workers 0 is a usage error naming the option', () => {
  const result = run(['swarm', '--seeds', '1', '--workers', '0']);
  assert.is(result.status, 64);
  assert.match(result.stderr, /^cdn-sim: --workers: expected at least 1, got 0\n/);
});

test.run();
