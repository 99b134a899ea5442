/**
 * Which of this checkout's edge options a `--against` edge (another build) is given: each option
 * its own `--help` lists. A build that predates an option would refuse it, and one that has it
 * needs it as much as this checkout's edge does (without `--client-misses-per-second 0` the hot
 * set's 10,000-URL fill from one address is answered 429 from the 51st miss on).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The checkout `raw` names, resolved, once its built edge is there; undefined for none. `name`
 * (the variable or flag it came from) leads the one-line error otherwise.
 */
export function againstRoot(raw: string | undefined, name: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const root = resolve(raw);
  if (!existsSync(join(root, 'dist', 'edge', 'main.js'))) {
    throw new Error(`${name}: ${root}/dist/edge/main.js does not exist; run \`npm run build\` in that checkout first`);
  }
  return root;
}

/** `[flag, value, flag, value, ...]` pairs of `options` whose flag starts a line of `helpText` (as an option's own entry, not a mention in another's). */
export function optionsKnownTo(helpText: string, options: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < options.length; i += 2) {
    if (new RegExp(`^[ \\t]*${options[i]!.replace(/[-]/g, '\\-')}([ \\t=,]|$)`, 'm').test(helpText)) kept.push(options[i]!, options[i + 1]!);
  }
  return kept;
}

/** What `node <root>/dist/edge/main.js --help` prints; '' when it cannot run. */
export function edgeHelpText(root: string): string {
  const run = spawnSync(process.execPath, [join(root, 'dist', 'edge', 'main.js'), '--help'], { encoding: 'utf8', timeout: 30_000 });
  return `${run.stdout ?? ''}${run.stderr ?? ''}`;
}
