#!/usr/bin/env node
/**
 * `npm run loadtest -- <name> [k6 flags...]`: runs `k6 run loadtests/<name>.ts` against the
 * region `npm start` brought up (the scripts read .edgeworks/local-region.json themselves).
 * Exits with k6's own exit code, so a failed threshold fails the command. Extra arguments go to
 * `k6 run` before the script, e.g. `npm run loadtest -- hit-ratio -e RATE_PER_S=400`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const loadtestsDir = join(root, 'loadtests');

const INSTALL_HELP = `k6 is not on PATH. These scripts need k6 v2 or newer (it runs TypeScript directly).
Install it, then run this command again:
  macOS:          brew install k6
  Debian/Ubuntu:  see https://grafana.com/docs/k6/latest/set-up/install-k6/ (Grafana's apt repository)
  Windows:        winget install k6 --source winget
  Docker:         docker run --rm -i --network host -v "$PWD:/src" -w /src grafana/k6 run loadtests/<name>.ts
  Any platform:   a release binary from https://github.com/grafana/k6/releases
Or run a script yourself: k6 run loadtests/<name>.ts`;

function available() {
  return readdirSync(loadtestsDir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

function usage(problem) {
  const names = available();
  process.stderr.write(
    `${problem}\nusage: npm run loadtest -- <name> [k6 run flags]\navailable scripts (loadtests/<name>.ts):\n${names.map((n) => `  ${n}`).join('\n')}\n`,
  );
  process.exit(1);
}

const [rawName, ...k6Args] = process.argv.slice(2);
if (rawName === undefined || rawName === '' || rawName === '--help' || rawName === '-h') usage('npm run loadtest: which script?');
const name = rawName.replace(/^loadtests\//, '').replace(/\.ts$/, '');
if (!available().includes(name)) usage(`npm run loadtest: no load test named ${JSON.stringify(rawName)}`);

const probe = spawnSync('k6', ['version'], { encoding: 'utf8' });
if (probe.error !== undefined) {
  process.stderr.write(`npm run loadtest: cannot run ${name}: ${INSTALL_HELP}\n`);
  process.exit(1);
}
if (probe.status !== 0) {
  process.stderr.write(`npm run loadtest: \`k6 version\` failed (exit ${probe.status}): ${probe.stderr.trim()}\n`);
  process.exit(1);
}
const major = /\bv(\d+)\./.exec(probe.stdout)?.[1];
if (major !== undefined && Number(major) < 2) {
  process.stderr.write(`warning: ${probe.stdout.trim().split('\n')[0]}: these scripts are written for k6 v2 (TypeScript without a build step)\n`);
}

const script = relative(root, join(loadtestsDir, `${name}.ts`));
if (!existsSync(join(root, '.edgeworks', 'local-region.json'))) {
  process.stderr.write('note: no .edgeworks/local-region.json: is `npm start` running? Using EDGE_URLS etc. or the loopback defaults.\n');
}
process.stdout.write(`${probe.stdout.trim().split('\n')[0] ?? 'k6'}\n$ k6 run ${[...k6Args, script].join(' ')}\n`);
const child = spawn('k6', ['run', ...k6Args, script], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  // k6 gets the terminal's Ctrl-C itself and runs teardown(); do not die before it does.
  process.on(signal, () => {});
}
child.on('exit', (code, signal) => {
  if (signal !== null) process.kill(process.pid, signal);
  process.exit(code ?? 1);
});
