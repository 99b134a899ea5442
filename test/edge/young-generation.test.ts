/**
 * The edge's young generation: EDGE_SEMI_SPACE_MIB's parsing, and the launchers that cannot import
 * the default (the `#!` line of dist/edge/main.js, the systemd unit) saying the same number.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_EDGE_SEMI_SPACE_MIB, edgeSemiSpaceMib, semiSpaceFlags, semiSpaceFlagsFromEnv } from '../../edge/young-generation.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');

const rows: Array<[string | undefined, number | 'error']> = [
  [undefined, DEFAULT_EDGE_SEMI_SPACE_MIB],
  ['', DEFAULT_EDGE_SEMI_SPACE_MIB],
  ['16', 16],
  ['1', 1],
  ['1024', 1024],
  ['0', 'error'],
  ['1025', 'error'],
  ['64MB', 'error'],
  ['-1', 'error'],
  [' 64', 'error'],
  ['6.5', 'error'],
  ['99999', 'error'],
];
for (const [raw, expected] of rows) {
  test(`EDGE_SEMI_SPACE_MIB=${JSON.stringify(raw)} → ${expected}`, () => {
    const r = edgeSemiSpaceMib(raw === undefined ? {} : { EDGE_SEMI_SPACE_MIB: raw });
    if (expected === 'error') {
      assert.ok(!r.ok);
      if (!r.ok) assert.match(r.message, /^EDGE_SEMI_SPACE_MIB: expected a whole number of MiB from 1 to 1024, got /);
    } else {
      assert.equal(r, { ok: true, mib: expected });
    }
  });
}

test('flags: the same size from the start and at most (no slow growth from a small nursery)', () => {
  assert.equal(semiSpaceFlags(32), ['--min-semi-space-size=32', '--max-semi-space-size=32']);
});

test('the #! line of dist/edge/main.js gives node the default flags, fits in 127 bytes, and env -S runs it', () => {
  const file = join(repoRoot, 'dist/edge/main.js');
  const first = readFileSync(file, 'utf8').split('\n')[0]!;
  assert.is(first, `#!/usr/bin/env -S node ${semiSpaceFlags(DEFAULT_EDGE_SEMI_SPACE_MIB).join(' ')}`);
  // Linux before 5.1 reads 127 bytes of a #! line and cuts the rest, silently.
  assert.ok(Buffer.byteLength(first) <= 127, `${Buffer.byteLength(first)} bytes`);
  // As the kernel runs it: the interpreter, the rest of the line as one argument, then the file.
  const [interpreter, rest] = [first.slice(2, first.indexOf(' ')), first.slice(first.indexOf(' ') + 1)];
  const r = spawnSync(interpreter, [rest, file, '--help'], { encoding: 'utf8', env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` } });
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith('Usage:'), r.stdout.slice(0, 200));
});

test('the systemd unit sets the same default', () => {
  const unit = readFileSync(join(repoRoot, 'deploy/systemd/cdn-edge@.service'), 'utf8');
  assert.match(unit, new RegExp(`^Environment=EDGE_SEMI_SPACE_MIB=${DEFAULT_EDGE_SEMI_SPACE_MIB}$`, 'm'));
  assert.match(unit, /\/usr\/bin\/node --min-semi-space-size=\$\{EDGE_SEMI_SPACE_MIB\} --max-semi-space-size=\$\{EDGE_SEMI_SPACE_MIB\} /);
});

test('semiSpaceFlagsFromEnv: the default, a set size, and a bad one thrown with its message', () => {
  assert.equal(semiSpaceFlagsFromEnv({}), ['--min-semi-space-size=4', '--max-semi-space-size=4']);
  assert.equal(semiSpaceFlagsFromEnv({ EDGE_SEMI_SPACE_MIB: '16' }), ['--min-semi-space-size=16', '--max-semi-space-size=16']);
  assert.throws(() => semiSpaceFlagsFromEnv({ EDGE_SEMI_SPACE_MIB: 'x' }), /^EDGE_SEMI_SPACE_MIB: expected a whole number/);
});

test.run();
