/**
 * The cdn-control-plane binary on a real data dir, as an operator meets it: one owner per data
 * dir (a second process exits 2 naming the holder; a stale lock is taken over), a data dir
 * written by the previous version (format 1, made by main's code before this change) upgraded in
 * place, damage before the last record refused with the repair command, `repair` itself, token
 * files reloaded on SIGHUP, idempotent purges across a restart, probes and metrics.
 * Every wait is on the child's output or exit, never on elapsed time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '../../control-plane/main.js');
const fixtures = join(here, '../../../test/control-plane/fixtures');
const ADMIN = 'admin-token-0123456789abcdef';
const EDGE = 'edge-token-0123456789abcdef';

interface Running {
  child: ChildProcess;
  url: string;
  logId: string;
  seq: number;
  stderr: string[];
  /** Resolves with the first stderr line matching. */
  waitForStderr(pattern: RegExp): Promise<string>;
  stop(): Promise<number | null>;
}

function start(dir: string, extra: string[] = ['--token', ADMIN, '--edge-token', EDGE], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [bin, '--port', '0', '--data-dir', dir, '--log-level', 'info', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '', ...env } });
  const stderr: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      stderr.push(line);
      for (const w of [...waiters]) if (w.pattern.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
    }
  });
  const waitForStderr = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const seen = stderr.find((l) => pattern.test(l));
      if (seen !== undefined) resolve(seen);
      else waiters.push({ pattern, resolve });
    });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+) \(.*; log ([0-9a-f]+) at seq (\d+)\)\n/.exec(out);
      if (m === null) return;
      resolve({
        child,
        url: m[1]!,
        logId: m[2]!,
        seq: Number(m[3]),
        stderr,
        waitForStderr,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening: ${out} ${stderr.join('\n')} ${partial}`)));
  });
}

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cp-proc-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const purge = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/purges`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('a second process on the same data dir exits 2 with one line naming the holder', () =>
  withDir(async (dir) => {
    const first = await start(dir);
    try {
      const second = run(['--port', '0', '--data-dir', dir, '--token', ADMIN, '--edge-token', EDGE]);
      assert.is(second.status, 2);
      assert.match(second.stderr, new RegExp(`^cdn-control-plane: data dir ${dir} is locked by pid ${first.child.pid} on .+ \\(started .+\\); stop it first, or use another --data-dir\\n$`));
      // The first is untouched: it still accepts purges.
      assert.is((await purge(first.url, { kind: 'all' })).status, 202);
    } finally {
      assert.is(await first.stop(), 0);
    }
    // Released on exit: the next start takes it.
    const third = await start(dir);
    assert.is(third.seq, 1);
    assert.is(await third.stop(), 0);
  }));

test('a lock left by a process that is gone is taken over', () =>
  withDir(async (dir) => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const { hostname } = await import('node:os');
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: Number(gone.stdout), startedAt: '1', startedAtIso: '2026-01-01T00:00:00.000Z', host: hostname() }));
    const cp = await start(dir);
    assert.is(JSON.parse(await readFile(join(dir, 'lock'), 'utf8')).pid, cp.child.pid);
    assert.is(await cp.stop(), 0);
  }));

test('a data dir written by the previous version (format 1) is migrated once and keeps its purges', () =>
  withDir(async (dir) => {
    await copyFile(join(fixtures, 'main-format-data-dir', 'purges.log'), join(dir, 'purges.log'));
    const first = await start(dir);
    try {
      assert.is(first.logId, 'cb2789385aa57172', 'the same log: edges resume without a flush');
      assert.is(first.seq, 3);
      assert.match(await first.waitForStderr(/migrated/), /purge log: migrated from format 1 to format 2/);
      const old = await fetch(`${first.url}/purges/p2-mx5bj588`, { headers: { authorization: `Bearer ${ADMIN}` } });
      assert.is(old.status, 200);
      assert.equal(((await old.json()) as { values: string[] }).values, ['k1', 'k2']);
      const next = await purge(first.url, { kind: 'all' });
      assert.is(((await next.json()) as { seq: number }).seq, 4);
    } finally {
      assert.is(await first.stop(), 0);
    }
    const second = await start(dir);
    try {
      assert.is(second.seq, 4);
      assert.is(second.stderr.filter((l) => /migrated/.test(l)).length, 0, 'migrated only once');
    } finally {
      assert.is(await second.stop(), 0);
    }
  }));

test('damage before the last record refuses to start naming the offset and the repair command; repair keeps the good prefix', () =>
  withDir(async (dir) => {
    const first = await start(dir);
    for (let i = 0; i < 4; i++) assert.is((await purge(first.url, { kind: 'key', values: [`k${i}`] })).status, 202);
    assert.is(await first.stop(), 0);
    const path = join(dir, 'purges.log');
    const bytes = await readFile(path);
    const lineStarts = [0, ...[...bytes.entries()].filter(([, b]) => b === 0x0a).map(([i]) => i + 1)].slice(0, -1);
    assert.match(bytes.subarray(0, 4).toString(), /^hwm /, 'the high-water mark leads the file');
    const secondPurgeAt = lineStarts[4]!; // mark slot, mark slot, header, purge 1, purge 2, ...
    bytes[secondPurgeAt + 20] = bytes[secondPurgeAt + 20]! ^ 0xff;
    await writeFile(path, bytes);

    const refused = run(['--port', '0', '--data-dir', dir, '--token', ADMIN, '--edge-token', EDGE]);
    assert.is(refused.status, 2);
    assert.is(refused.stderr.split('\n').length, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`damaged at byte offset ${secondPurgeAt} \\(checksum mismatch\\).*cdn-control-plane repair --data-dir ${dir}\\n$`));

    const repaired = run(['repair', '--data-dir', dir]);
    assert.is(repaired.status, 0, repaired.stderr);
    assert.match(repaired.stdout, new RegExp(`damaged at byte offset ${secondPurgeAt}`));
    assert.match(repaired.stdout, /kept 1 records \(seq 1\.\.1\)/);
    assert.match(repaired.stdout, /records that looked whole: seq 3, 4/);

    const after = await start(dir);
    try {
      assert.ok(after.logId !== first.logId, 'acknowledged purges are missing: a new log id, so edges flush');
      assert.is(after.seq, 4, 'the next seq stays above every one acknowledged');
      assert.is(((await (await purge(after.url, { kind: 'all' })).json()) as { seq: number }).seq, 5);
    } finally {
      assert.is(await after.stop(), 0);
    }
    assert.match(run(['repair', '--data-dir', dir]).stdout, /nothing to repair/);
  }));

test('--token-file: admin and edge tokens apart, rotated by SIGHUP without a restart', () =>
  withDir(async (dir) => {
    const file = join(dir, 'tokens');
    const NEW_ADMIN = 'rotated-admin-token-0123456789';
    await writeFile(file, `# tokens\nadmin ${ADMIN}\nedge ${EDGE}\n`, { mode: 0o600 });
    await mkdir(join(dir, 'data'));
    const cp = await start(join(dir, 'data'), ['--token-file', file]);
    try {
      const edges = (token: string) => fetch(`${cp.url}/edges`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      assert.is(await edges(ADMIN), 200);
      assert.is(await edges(EDGE), 401, 'an edge token cannot use the admin API');
      assert.is((await fetch(`${cp.url}/stream?edge=e1`, { headers: { authorization: `Bearer ${ADMIN}` } })).status, 401, 'an admin token cannot open a stream');
      await writeFile(file, `admin ${NEW_ADMIN}\nedge ${EDGE}\n`);
      cp.child.kill('SIGHUP');
      await cp.waitForStderr(/tokens reloaded/);
      assert.is(await edges(NEW_ADMIN), 200);
      assert.is(await edges(ADMIN), 401);
      await writeFile(file, 'admin short\n');
      cp.child.kill('SIGHUP');
      assert.match(await cp.waitForStderr(/keeping the tokens in use/), /at least 16 characters/);
      assert.is(await edges(NEW_ADMIN), 200);
    } finally {
      assert.is(await cp.stop(), 0);
    }
    const bad = run(['--port', '0', '--data-dir', join(dir, 'data'), '--token', 'too-short']);
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /^cdn-control-plane: token: .*16.*\n$/);
  }));

test('Idempotency-Key: a retry gets the first purge back, across a restart; another body with the key is 422', () =>
  withDir(async (dir) => {
    const first = await start(dir);
    let accepted: { id: string; seq: number };
    try {
      const a = await purge(first.url, { kind: 'url', values: ['example.com/x'] }, { 'idempotency-key': 'order-42' });
      assert.is(a.status, 202);
      accepted = (await a.json()) as { id: string; seq: number };
      const again = await purge(first.url, { kind: 'url', values: ['example.com/x'] }, { 'idempotency-key': 'order-42' });
      assert.is(again.status, 202);
      assert.is(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await again.json(), accepted);
    } finally {
      assert.is(await first.stop(), 0);
    }
    const second = await start(dir);
    try {
      const retry = await purge(second.url, { kind: 'url', values: ['example.com/x'] }, { 'idempotency-key': 'order-42' });
      assert.equal(await retry.json(), accepted);
      assert.is(second.seq, 1, 'no second purge was logged');
      const other = await purge(second.url, { kind: 'url', values: ['example.com/y'] }, { 'idempotency-key': 'order-42' });
      assert.is(other.status, 422);
      assert.is(((await other.json()) as { field: string }).field, 'Idempotency-Key');
    } finally {
      assert.is(await second.stop(), 0);
    }
  }));

test('/livez and /readyz need no token; /metrics needs the admin token and shows the log', () =>
  withDir(async (dir) => {
    const cp = await start(dir);
    try {
      assert.is((await fetch(`${cp.url}/livez`)).status, 200);
      const ready = await fetch(`${cp.url}/readyz`);
      assert.is(ready.status, 200);
      assert.is((await fetch(`${cp.url}/metrics`)).status, 401);
      assert.is((await fetch(`${cp.url}/metrics`, { headers: { authorization: `Bearer ${EDGE}` } })).status, 401);
      assert.is((await purge(cp.url, { kind: 'all' })).status, 202);
      const text = await (await fetch(`${cp.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
      for (const series of [
        /^control_plane_purges_accepted_total 1$/m,
        /^control_plane_log_bytes [1-9]\d*$/m,
        /^control_plane_log_fsync_seconds_count\{kind="append"\} [1-9]/m,
        /^control_plane_streams 0$/m,
        /^control_plane_request_duration_seconds_count\{route="\/purges",method="POST",status="202"\} 1$/m,
        /^# TYPE control_plane_edge_applied_lag gauge$/m,
        /^# TYPE control_plane_edge_lease_valid gauge$/m,
      ]) {
        assert.match(text, series);
      }
    } finally {
      assert.is(await cp.stop(), 0);
    }
  }));

test.run();
