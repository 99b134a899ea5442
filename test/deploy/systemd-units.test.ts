/**
 * deploy/systemd: every unit passes `systemd-analyze verify` without a single warning (it exits 0
 * on unknown keys and bad values, so its output is read), is hardened (the offline security
 * score and the directives themselves), and names files and flags that exist.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deployDir, repoRoot, toolPresent } from './deploy-paths.js';
import { parseUnit, serviceValues } from './unit-file.js';

const INSTALL_PREFIX = '/opt/edgeworks';
const NODE = '/usr/bin/node';

interface UnitCase {
  file: string;
  /** The name verify sees: a template needs an instance. */
  instance: string;
  binary: string;
  reloads: boolean;
  writable: boolean;
}

const units: UnitCase[] = [
  { file: 'cdn-edge@.service', instance: 'cdn-edge@e1.service', binary: 'dist/edge/main.js', reloads: true, writable: false },
  { file: 'cdn-control-plane.service', instance: 'cdn-control-plane.service', binary: 'dist/control-plane/main.js', reloads: true, writable: true },
  { file: 'cdn-origin.service', instance: 'cdn-origin.service', binary: 'dist/origin/main.js', reloads: false, writable: false },
];

/** The unit as installed on this machine: the repository stands in for /opt/edgeworks, this node for /usr/bin/node. */
function localized(text: string): string {
  return text.replaceAll(INSTALL_PREFIX, repoRoot).replaceAll(NODE, process.execPath);
}

/** Runs systemd-analyze on units copied into a scratch directory; returns everything it printed. */
function analyze(args: string[], files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'units-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const result = spawnSync('systemd-analyze', [...args, ...Object.keys(files).map((name) => join(dir, name))], { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}`.replaceAll(dir, '<dir>') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** node's own flags between node and the script (the edge's semi-spaces): only those the unit may set. */
const NODE_FLAG = /^--(min|max)-semi-space-size=\$\{EDGE_SEMI_SPACE_MIB\}$/;
function withoutNodeFlags(start: string[]): string[] {
  const scriptAt = start.findIndex((word, i) => i >= 2 && !word.startsWith('--'));
  for (const flag of start.slice(2, scriptAt)) assert.match(flag, NODE_FLAG, `node flag ${flag}`);
  return [...start.slice(0, 2), ...start.slice(scriptAt)];
}

const textOf = (unit: UnitCase) => readFileSync(join(deployDir, 'systemd', unit.file), 'utf8');

// Static checks need no tool.
for (const unit of units) {
  test(`${unit.file}: hardening directives`, () => {
    const d = parseUnit(textOf(unit));
    assert.is(one(d, 'DynamicUser'), 'yes');
    assert.is(one(d, 'ProtectSystem'), 'strict');
    assert.is(one(d, 'NoNewPrivileges'), 'yes');
    assert.is(one(d, 'ProtectHome'), 'yes');
    assert.is(one(d, 'PrivateTmp'), 'yes');
    const capabilities = one(d, 'CapabilityBoundingSet');
    assert.ok(capabilities === '' || capabilities === 'CAP_NET_BIND_SERVICE', `capabilities bounded, got "${capabilities}"`);
    assert.equal(serviceValues(d, 'ReadWritePaths'), [], 'no ReadWritePaths: the data dir is the StateDirectory');
    assert.equal(serviceValues(d, 'StateDirectory'), unit.writable ? ['edgeworks-control-plane'] : []);
    assert.is(serviceValues(d, 'ExecReload').length, unit.reloads ? 1 : 0);
  });

  test(`${unit.file}: secrets come from LoadCredential, never from the unit or the command line`, () => {
    const d = parseUnit(textOf(unit));
    assert.ok(serviceValues(d, 'LoadCredential').length > 0);
    for (const value of serviceValues(d, 'LoadCredential')) assert.match(value, /^[A-Za-z0-9_-]+:\/etc\/edgeworks\/credentials\/[a-z-]+$/);
    for (const value of serviceValues(d, 'Environment')) assert.not.match(value, /TOKEN|SECRET/i);
    const start = one(d, 'ExecStart');
    assert.not.match(start, /--(admin-)?token(\s|$)|--peer-secret(\s|$)/, 'a secret flag takes the secret itself: it would show in ps');
  });

  test(`${unit.file}: ExecStart runs the installed binary through credentials-env`, () => {
    const start = withoutNodeFlags(one(parseUnit(textOf(unit)), 'ExecStart').split(' '));
    assert.is(start[0], `${INSTALL_PREFIX}/deploy/bin/credentials-env`);
    assert.is(start[1], NODE);
    assert.is(start[2], `${INSTALL_PREFIX}/${unit.binary}`);
    assert.ok(existsSync(join(repoRoot, unit.binary)), `${unit.binary} is built`);
  });
}

test('the example environment files set only variables the binaries read', () => {
  const helps = new Map<string, string>();
  const help = (binary: string) => {
    if (!helps.has(binary)) helps.set(binary, spawnSync(process.execPath, [join(repoRoot, 'dist', binary, 'main.js'), '--help'], { encoding: 'utf8' }).stdout);
    return helps.get(binary)!;
  };
  const examples: Array<[string, string]> = [
    ['edge.env.example', 'edge'],
    ['edge-e1.env.example', 'edge'],
    ['control-plane.env.example', 'control-plane'],
    ['origin.env.example', 'origin'],
  ];
  for (const [file, binary] of examples) {
    const text = help(binary);
    const variables = readFileSync(join(deployDir, 'systemd', file), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z]/.test(line))
      .map((line) => line.slice(0, line.indexOf('=')));
    assert.ok(variables.length > 0, file);
    for (const variable of variables) assert.ok(text.includes(`[env ${variable}]`), `${file}: ${binary} reads ${variable}`);
  }
});

test('every flag on a unit\'s command line is the binary\'s, every %d/ path a credential it loads, every exported credential a variable it reads', () => {
  for (const unit of units) {
    const d = parseUnit(textOf(unit));
    const help = spawnSync(process.execPath, [join(repoRoot, unit.binary), '--help'], { encoding: 'utf8' }).stdout;
    assert.ok(help.startsWith('Usage:'), unit.binary);
    const args = withoutNodeFlags(one(d, 'ExecStart').split(' ')).slice(3);
    for (const flag of args.filter((arg) => arg.startsWith('--'))) assert.ok(help.includes(`  ${flag.split('=')[0]} `), `${unit.file}: ${unit.binary} has ${flag}`);
    const credentials = serviceValues(d, 'LoadCredential').map((value) => value.slice(0, value.indexOf(':')));
    for (const arg of args.filter((a) => a.startsWith('%d/'))) assert.ok(credentials.includes(arg.slice('%d/'.length)), `${unit.file}: ${arg} is loaded`);
    // credentials-env exports the upper-case names; the others must be passed by path.
    for (const name of credentials) {
      if (/^[A-Z][A-Z0-9_]*$/.test(name)) assert.ok(help.includes(`[env ${name}]`), `${unit.file}: ${unit.binary} reads ${name}`);
      else assert.ok(args.includes(`%d/${name}`), `${unit.file}: ${name} is passed by path`);
    }
  }
});

/**
 * cdn-control-plane.service's own ExecStart, as systemd would run it: %S and %d are scratch
 * directories (the StateDirectory inside the first, the credentials in the second, also
 * CREDENTIALS_DIRECTORY), the environment is control-plane.env.example with host and port moved to
 * loopback and any free port.
 */
function controlPlaneUnitCommand(stateDir: string, credentialsDir: string): { file: string; args: string[]; env: Record<string, string> } {
  const unit = units[1]!;
  const d = parseUnit(textOf(unit));
  const [file, ...args] = localized(one(d, 'ExecStart')).replaceAll('%S', stateDir).replaceAll('%d', credentialsDir).split(' ');
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', CREDENTIALS_DIRECTORY: credentialsDir };
  for (const line of readFileSync(join(deployDir, 'systemd/control-plane.env.example'), 'utf8').split('\n')) {
    if (/^[A-Z]/.test(line)) env[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return { file: file!, args, env: { ...env, CONTROL_PLANE_HOST: '127.0.0.1', CONTROL_PLANE_PORT: '0' } };
}

test('cdn-control-plane.service as written: a token file with a short token stops it in one line; a good one starts it and /readyz answers', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'state-'));
  const credentialsDir = mkdtempSync(join(tmpdir(), 'credentials-'));
  try {
    const credential = serviceValues(parseUnit(textOf(units[1]!)), 'LoadCredential')[0]!.split(':')[0]!;
    writeFileSync(join(credentialsDir, credential), 'admin short\nedge edge-token-0123456789abcdef\n');
    const { file, args, env } = controlPlaneUnitCommand(stateDir, credentialsDir);
    const refused = spawnSync(file, args, { encoding: 'utf8', env });
    assert.is(refused.status, 2, refused.stderr);
    assert.is(refused.stderr, `cdn-control-plane: tokenFile: ${credentialsDir}/${credential} line 1: admin token must be at least 16 characters, got 5\n`);

    writeFileSync(join(credentialsDir, credential), 'admin admin-token-0123456789abcdef\nedge edge-token-0123456789abcdef\n');
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: string): void => {
          output += chunk;
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (m !== null) resolve(m[1]!);
        };
        child.stdout.setEncoding('utf8').on('data', onData);
        child.stderr.setEncoding('utf8').on('data', onData);
        child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${output}`)));
      });
      const ready = await fetch(`${url}/readyz`);
      assert.is(ready.status, 200);
      await ready.arrayBuffer();
      assert.ok(existsSync(join(stateDir, 'edgeworks-control-plane', 'purges.log')), 'the log is in the StateDirectory');
      assert.ok(existsSync(join(stateDir, 'edgeworks-control-plane', 'lock')));
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        assert.is(await exited, 0);
      }
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(credentialsDir, { recursive: true, force: true });
  }
});

function one(d: ReturnType<typeof parseUnit>, key: string): string {
  const values = serviceValues(d, key);
  assert.is(values.length, 1, `${key}= set once`);
  return values[0]!;
}

if (toolPresent('systemd-analyze', ['--version'], 'apt-get install systemd', { requiredInCi: true })) {
  // All units in one run each: a warning names its unit, and each run costs a process start.
  const installed = Object.fromEntries(units.map((unit) => [unit.instance, localized(textOf(unit))]));

  test('systemd-analyze verify prints nothing for any unit', () => {
    const result = analyze(['verify'], installed);
    assert.is(result.output, '');
    assert.is(result.status, 0);
  });

  test('offline security exposure of every unit at most 2.0 (systemd\'s "OK")', () => {
    const result = analyze(['security', '--offline=yes'], installed);
    const levels = [...result.output.matchAll(/Overall exposure level for (\S+): ([\d.]+)/g)].map((m) => [m[1], Number(m[2])] as const);
    assert.equal(levels.map(([name]) => name).sort(), Object.keys(installed).sort(), result.output);
    for (const [name, level] of levels) assert.ok(level <= 2.0, `${name}: exposure ${level}`);
  });

  test('the verify check fails on a warning that still exits 0 (a misspelt key)', () => {
    const origin = units[2]!;
    const broken = localized(textOf(origin)).replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes');
    const result = analyze(['verify'], { [origin.instance]: broken });
    assert.is(result.status, 0, 'systemd-analyze itself does not fail on it');
    assert.match(result.output, /Unknown key 'NoNewPrivilege'/);
  });
}

test.run();
