/**
 * `npm start` (dist/local-region/main.js): --help prints the environment it reads and exits 0
 * before starting any process; an unknown argument is exit 2, also before starting anything.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCommandLine } from '../../local-region/usage.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../local-region/main.js');

// Ports that nothing should bind: if --help were ignored the region would fail to start (port 1
// needs root or is refused) instead of occupying the developer's real 8000/8081/9000.
const env = {
  PATH: process.env['PATH'] ?? '',
  LOCAL_ORIGIN_PORT: '1',
  LOCAL_EDGE_PORT: '2',
  LOCAL_ADMIN_PORT: '5',
  LOCAL_CONTROL_PORT: '3',
  LOCAL_ORCHESTRATOR_PORT: '4',
};

function run(args: string[]) {
  // SIGTERM, not SIGKILL, on timeout: the region's handler then stops its children.
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGTERM', env });
}

for (const flag of ['--help', '-h']) {
  test(`${flag} prints the environment variables and exits 0 without starting the region`, () => {
    const result = run([flag]);
    assert.is(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: npm start/);
    for (const name of ['LOCAL_ORIGIN_PORT', 'LOCAL_EDGE_PORT', 'LOCAL_ADMIN_PORT', 'LOCAL_CONTROL_PORT', 'LOCAL_ORCHESTRATOR_PORT', 'LOCAL_TOKEN']) {
      assert.ok(result.stdout.includes(name), name);
    }
    assert.not.match(result.stdout, /region is up/);
    assert.is(result.stderr, '');
  });
}

test('an unknown argument is exit 2 and one line', () => {
  const result = run(['--port', '80']);
  assert.is(result.status, 2);
  assert.is(result.stderr, 'npm start: unknown argument "--port" (see --help)\n');
  assert.is(result.stdout, '');
});

test('parseCommandLine: table', () => {
  assert.equal(parseCommandLine([]), { kind: 'start' });
  assert.equal(parseCommandLine(['--help']), { kind: 'help' });
  assert.equal(parseCommandLine(['x', '-h']), { kind: 'help' });
  assert.equal(parseCommandLine(['x']), { kind: 'error', message: 'unknown argument "x" (see --help)' });
});

test.run();
