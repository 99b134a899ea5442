/** The edge's glibc malloc settings: who gets them, the operator's own kept, and the launchers that cannot import them saying the same. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EDGE_GLIBC_TUNABLES, edgeGlibcTunables, withEdgeMallocTuning } from '../../edge/malloc-tuning.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');

test('edgeGlibcTunables: the edge settings when unset or empty, the operator own otherwise', () => {
  assert.is(edgeGlibcTunables({}), EDGE_GLIBC_TUNABLES);
  assert.is(edgeGlibcTunables({ GLIBC_TUNABLES: '' }), EDGE_GLIBC_TUNABLES);
  assert.is(edgeGlibcTunables({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }), 'glibc.malloc.arena_max=2');
});

test('withEdgeMallocTuning: adds GLIBC_TUNABLES and keeps every other variable', () => {
  assert.equal(withEdgeMallocTuning({ A: '1' }), { A: '1', GLIBC_TUNABLES: EDGE_GLIBC_TUNABLES });
});

test('the settings are ones glibc takes: a node started with them runs, and reports them set', () => {
  // glibc ignores a tunable it does not know, silently; /proc shows the environment, so check the names against glibc's own list.
  const listed = spawnSync('/bin/sh', ['-c', 'ld.so --list-tunables 2>/dev/null || /lib64/ld-linux-x86-64.so.2 --list-tunables 2>/dev/null'], { encoding: 'utf8' }).stdout;
  for (const pair of EDGE_GLIBC_TUNABLES.split(':')) {
    const [name, value] = pair.split('=') as [string, string];
    assert.ok(/^\d+$/.test(value), pair);
    if (listed !== '') assert.ok(listed.includes(`${name}:`), `${name} is not among glibc's tunables`);
  }
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(process.env.GLIBC_TUNABLES)'], { encoding: 'utf8', env: withEdgeMallocTuning({ PATH: process.env['PATH'] }) });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, EDGE_GLIBC_TUNABLES);
});

test('the systemd unit sets the same settings', () => {
  const unit = readFileSync(join(repoRoot, 'deploy/systemd/cdn-edge@.service'), 'utf8');
  assert.match(unit, new RegExp(`^Environment=GLIBC_TUNABLES=${EDGE_GLIBC_TUNABLES.replace(/\./g, '\\.')}$`, 'm'));
});

test.run();
