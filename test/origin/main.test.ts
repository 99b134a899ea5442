/** The cdn-origin binary's command line: --help and -h print usage and exit 0 without listening. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../origin/main.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env['PATH'] ?? '' } });
}

for (const flag of ['--help', '-h']) {
  test(`${flag} prints usage with every flag and exits 0`, () => {
    const result = run([flag]);
    assert.is(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: cdn-origin \[flags\]/);
    for (const f of ['--host', '--port', '--admin-token', '--latency-ms', '--failure-rate', '--config']) assert.ok(result.stdout.includes(f), f);
    assert.not.match(result.stdout, /listening/);
  });
}

test('an unknown flag is one line and exit 2', () => {
  const result = run(['--prot', '1']);
  assert.is(result.status, 2);
  assert.is(result.stderr, "cdn-origin: Unknown option '--prot' (see --help)\n");
});

test.run();
