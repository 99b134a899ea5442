/** The cdn-control-plane binary: one-line config errors, a printed token, 401 without it, SIGTERM. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { badInputTests, type BadInput } from '../support/binary-runs.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../control-plane/main.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
}

const badInputs: BadInput[] = [
  ['missing data dir', [], {}, /^cdn-control-plane: dataDir: is required \(set --data-dir or CONTROL_PLANE_DATA_DIR\)\n$/],
  ['non-numeric port', ['--data-dir', '/tmp/x', '--port', 'ninety'], {}, /^cdn-control-plane: port: expected integer \(from --port\)\n$/],
  ['lease too short', ['--data-dir', '/tmp/x', '--lease-ms', '5'], {}, /^cdn-control-plane: leaseMs: .*30 \(from --lease-ms\)\n$/],
  ['bad env', ['--data-dir', '/tmp/x'], { CONTROL_PLANE_LOG_LEVEL: 'loud' }, /^cdn-control-plane: logLevel: must be one of debug, info, warn, error, got "loud" \(from env CONTROL_PLANE_LOG_LEVEL\)\n$/],
];

badInputTests(test, bin, badInputs);

test('--help lists the flags', () => {
  const result = run(['--help']);
  assert.is(result.status, 0);
  for (const flag of ['--port', '--data-dir', '--token', '--lease-ms', '--retain-count', '--max-streams', '--max-body-bytes']) assert.ok(result.stdout.includes(flag), flag);
});

test('generated token is printed and required; purges survive a SIGTERM restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cp-bin-'));
  const start = async () => {
    const child = spawn(process.execPath, [bin, '--port', '0', '--data-dir', dir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out);
      });
      child.once('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const m = /listening on (http:\/\/\S+) \(generated token: ([0-9a-f]{32}); generated edge token: [0-9a-f]{32}; log ([0-9a-f]+) at seq (\d+)\)/.exec(line);
    assert.ok(m, line);
    return { child, url: m![1]!, token: m![2]!, logId: m![3]!, seq: Number(m![4]) };
  };
  const stop = (child: ReturnType<typeof spawn>) =>
    new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  try {
    const first = await start();
    try {
      assert.is(first.seq, 0);
      const denied = await fetch(`${first.url}/edges`);
      assert.is(denied.status, 401);
      const accepted = await fetch(`${first.url}/purges`, { method: 'POST', headers: { authorization: `Bearer ${first.token}` }, body: JSON.stringify({ kind: 'all' }) });
      assert.is(accepted.status, 202);
      assert.is(((await accepted.json()) as { seq: number }).seq, 1);
    } finally {
      assert.is(await stop(first.child), 0);
    }
    const second = await start();
    try {
      assert.is(second.logId, first.logId);
      assert.is(second.seq, 1);
      assert.ok(second.token !== first.token);
    } finally {
      assert.is(await stop(second.child), 0);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('-h is --help', () => {
  const result = run(['-h']);
  assert.is(result.status, 0);
  assert.match(result.stdout, /^Usage: cdn-control-plane \[flags\]/);
});

test.run();
