/**
 * The cdn-edge binary's access log end to end: one JSON line per request with outcome and
 * upstream, the combined format on stderr, and SIGHUP reopening the file after logrotate moved
 * it. Lines are read after SIGTERM (which writes what is queued) or after the edge says it
 * reopened, never after a sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { startOriginServer, type OriginServer } from '../../../origin/adapters/node-server.js';
import { createOrigin } from '../../../origin/handler.js';
import { resolveOriginConfig } from '../../../origin/schema.js';
// The binary's edge runs on real time, so the origin's Date must be real too or nothing is fresh.
import { systemClock } from '../../../common/adapters/system-clock.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../../edge/main.js');

interface Running {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Resolves when stderr has a line matching `re`. */
  stderrLine(re: RegExp): Promise<string>;
  stop(): Promise<number | null>;
}

async function startEdge(origin: string, args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [bin, '--origin', origin, '--port', '0', '--id', 'e1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const waiters: Array<() => void> = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const w of waiters.splice(0)) w();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`edge exited early: ${out} ${err}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    url,
    stderr: () => err,
    stderrLine(re) {
      return new Promise((resolve) => {
        const check = () => {
          const line = err.split('\n').find((l) => re.test(l));
          if (line !== undefined) resolve(line);
          else waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await request(url, { headers });
  await res.body.dump();
  return res.statusCode;
}

let origin: OriginServer;
let dir: string;

test.before(async () => {
  origin = await startOriginServer(createOrigin({ clock: systemClock, random: { next: () => 0.5 }, config: resolveOriginConfig({ adminToken: 'x'.repeat(16) }) }), {
    host: '127.0.0.1',
    port: 0,
  });
  dir = await mkdtemp(join(tmpdir(), 'edge-access-'));
});

test.after(async () => {
  await origin.close();
  await rm(dir, { recursive: true, force: true });
});

test('JSON lines to a file: miss from the origin, then a hit; client request ids kept; SIGHUP reopens after a rotate', async () => {
  const file = join(dir, 'access.log');
  const edge = await startEdge(origin.url, ['--access-log', file]);
  try {
    assert.is(await get(`${edge.url}/logged`), 200);
    assert.is(await get(`${edge.url}/logged`, { 'x-request-id': 'abc-123' }), 200);
    await rename(file, `${file}.1`);
    edge.child.kill('SIGHUP');
    await edge.stderrLine(/access log reopened/);
    assert.is(await get(`${edge.url}/after-rotate?x=1`, { 'user-agent': 'test' }), 200);
  } finally {
    assert.is(await edge.stop(), 0);
  }
  const rotated = (await readFile(`${file}.1`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const fresh = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(rotated.length, 2);
  assert.is(fresh.length, 1);
  assert.equal(
    rotated.map((l) => [l['method'], l['target'], l['status'], l['cache'], l['upstream']]),
    [
      ['GET', '/logged', 200, 'miss', 'origin'],
      ['GET', '/logged', 200, 'hit', '-'],
    ],
  );
  assert.is(rotated[1]!['requestId'], 'abc-123');
  assert.match(String(rotated[0]!['requestId']), /^[0-9a-f]{8}-1$/);
  assert.is(rotated[0]!['client'], '127.0.0.1');
  assert.is(rotated[0]!['protocol'], 'HTTP/1.1');
  assert.ok(typeof rotated[0]!['bytes'] === 'number' && (rotated[0]!['bytes'] as number) > 0);
  assert.ok(typeof rotated[0]!['durationMs'] === 'number');
  assert.match(String(rotated[0]!['time']), /^\d{4}-\d\d-\d\dT/);
  assert.equal([fresh[0]!['target'], fresh[0]!['cache']], ['/after-rotate?x=1', 'miss']);
});

test('combined format on stderr, one line per request', async () => {
  const edge = await startEdge(origin.url, ['--access-log', 'stderr', '--access-log-format', 'combined', '--log-level', 'warn']);
  try {
    assert.is(await get(`${edge.url}/combined`, { referer: 'http://ref/', 'user-agent': 'ua/1' }), 200);
  } finally {
    assert.is(await edge.stop(), 0);
  }
  const lines = edge.stderr().split('\n').filter((l) => l.includes('"GET /combined'));
  assert.is(lines.length, 1);
  assert.match(lines[0]!, /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/combined HTTP\/1\.1" 200 \d+ "http:\/\/ref\/" "ua\/1" rt=\d+\.\d{3} cache=miss upstream=origin id=\S+$/);
});

test('an access log file that cannot be opened is one line and exit 2', async () => {
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(process.execPath, [bin, '--origin', origin.url, '--access-log', join(dir, 'no', 'such', 'dir', 'a.log')], { encoding: 'utf8', timeout: 30_000 });
  assert.is(result.status, 2);
  assert.match(result.stderr, /^cdn-edge: accessLog\.target: cannot open .*a\.log for appending: ENOENT\n$/);
});

test.run();
