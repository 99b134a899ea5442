/** The edge's glibc malloc settings: who gets them, the operator's own kept, glibc taking them, and the launchers that cannot import them saying the same. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

test('glibc takes every setting: ld.so lists each tunable at the value given', () => {
  // glibc ignores a tunable it does not know, silently. ld.so --list-tunables (glibc 2.33 and later;
  // Debian's libc-bin has /usr/bin/ld.so) prints the values it read from GLIBC_TUNABLES.
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
  // Not glibc (musl reads no GLIBC_TUNABLES), or a glibc before 2.33, whose ld.so cannot list them: nothing to ask.
  const [major = 0, minor = 0] = (glibc ?? '0.0').split('.').map(Number);
  if (glibc === undefined || major < 2 || (major === 2 && minor < 33)) return;
  const ldso = ['/usr/bin/ld.so', '/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1'].find((p) => existsSync(p));
  if (ldso === undefined) return; // another architecture's loader name; Debian's libc-bin always has /usr/bin/ld.so
  const r = spawnSync(ldso, ['--list-tunables'], { encoding: 'utf8', env: { GLIBC_TUNABLES: EDGE_GLIBC_TUNABLES } });
  assert.is(r.status, 0, r.stderr);
  for (const pair of EDGE_GLIBC_TUNABLES.split(':')) {
    const [name, value] = pair.split('=') as [string, string];
    assert.match(r.stdout, new RegExp(`^${name.replace(/\./g, '\\.')}: 0x${Number(value).toString(16)} `, 'm'), pair);
  }
});

test('the systemd unit and the container image set the same settings', () => {
  const value = EDGE_GLIBC_TUNABLES.replace(/\./g, '\\.');
  assert.match(readFileSync(join(repoRoot, 'deploy/systemd/cdn-edge@.service'), 'utf8'), new RegExp(`^Environment=GLIBC_TUNABLES=${value}$`, 'm'));
  assert.match(readFileSync(join(repoRoot, 'deploy/container/Containerfile'), 'utf8'), new RegExp(`^\\s+GLIBC_TUNABLES=${value}$`, 'm'));
});

test.run();
