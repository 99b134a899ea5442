/**
 * scripts/vary-hit-ratio.mjs, small: with --compress the Accept-Encoding mix costs one
 * origin fetch per object and the hit ratio of a workload with no Vary at all. Deterministic
 * (seeded, fake time, in-process), so the numbers are asserted, not a speed.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('--compress gzip,br: 1 origin fetch per object, hit ratio >= 0.98 of no Vary', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'vary-hit-ratio.mjs'), join(root, 'dist'), '200', '5000'], { encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  const perObject = /--compress gzip,br: .* ([\d.]+) per object/.exec(run.stdout);
  const ratio = /ratio to no Vary:\s+([\d.]+)/.exec(run.stdout);
  assert.ok(perObject !== null && ratio !== null, run.stdout);
  assert.is(Number(perObject[1]), 1);
  assert.ok(Number(ratio[1]) >= 0.98, run.stdout);
  assert.match(run.stdout, /compressed answers 100\.0%/);
});

test.run();
