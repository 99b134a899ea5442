/** Where the deploy tests find the repository's files from their compiled place in dist/test/deploy. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const deployDir = join(repoRoot, 'deploy');

/**
 * Whether a tool the deploy tests shell out to is on PATH. A missing tool skips its tests with one
 * printed line, except a tool .ci/run installs: in CI (`CI=true`) its absence is a failure, so a
 * broken install step cannot pass unnoticed.
 */
export function toolPresent(command: string, versionArgs: string[], installHint: string, opts: { requiredInCi: boolean }): boolean {
  const probe = spawnSync(command, versionArgs, { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return true;
  if (opts.requiredInCi && process.env['CI'] === 'true') throw new Error(`${command} is not installed but CI=true: .ci/run should have installed it (${installHint})`);
  process.stdout.write(`\n  skipped: ${command} is not installed (${installHint})\n`);
  return false;
}
