/** deploy/bin/credentials-env: credential files named like variables become those variables, nothing else does. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deployDir } from './deploy-paths.js';

const wrapper = join(deployDir, 'bin/credentials-env');
const printEnv = 'process.stdout.write(JSON.stringify(process.env))';

function runWith(credentialsDirectory: string | undefined, command: string[]) {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '' };
  if (credentialsDirectory !== undefined) env['CREDENTIALS_DIRECTORY'] = credentialsDirectory;
  return spawnSync(wrapper, command, { encoding: 'utf8', env });
}

test('exports upper-case credential files as variables, first line only, and leaves other files alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-env-'));
  try {
    writeFileSync(join(dir, 'EDGE_ADMIN_TOKEN'), 'a-token with spaces\nsecond line\n');
    writeFileSync(join(dir, 'EDGE_PEER_SECRET'), 'no-final-newline');
    writeFileSync(join(dir, 'control-plane-tokens'), 'read by the binary itself\n');
    writeFileSync(join(dir, 'Mixed_Case'), 'x\n');
    // Kubernetes' layout: the key is a symlink into a hidden ..data directory.
    mkdirSync(join(dir, '..data'));
    writeFileSync(join(dir, '..data', 'EDGE_CONTROL_PLANE_TOKEN'), 'from-a-secret-volume\n');
    symlinkSync(join('..data', 'EDGE_CONTROL_PLANE_TOKEN'), join(dir, 'EDGE_CONTROL_PLANE_TOKEN'));

    const result = runWith(dir, [process.execPath, '-e', printEnv]);
    assert.is(result.status, 0, result.stderr);
    const env = JSON.parse(result.stdout) as Record<string, string>;
    assert.is(env['EDGE_ADMIN_TOKEN'], 'a-token with spaces');
    assert.is(env['EDGE_PEER_SECRET'], 'no-final-newline');
    assert.is(env['EDGE_CONTROL_PLANE_TOKEN'], 'from-a-secret-volume');
    assert.is(env['control-plane-tokens'], undefined);
    assert.is(env['Mixed_Case'], undefined);
    assert.is(env['CREDENTIALS_DIRECTORY'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without CREDENTIALS_DIRECTORY it only runs the command, whose exit code it keeps', () => {
  const result = runWith(undefined, [process.execPath, '-e', 'process.exit(7)']);
  assert.is(result.status, 7);
  assert.is(result.stderr, '');
});

test('the command replaces the shell: its arguments arrive unchanged', () => {
  const result = runWith(undefined, [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', '--', 'a b', '$HOME', '']);
  assert.is(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), ['a b', '$HOME', '']);
});

test.run();
