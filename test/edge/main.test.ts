/** The cdn-edge binary: bad input is one line naming the field; the admin port needs its token. */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { badInputTests, type BadInput } from '../support/binary-runs.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../edge/main.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
}

const badInputs: BadInput[] = [
  ['missing origin', [], {}, /^cdn-edge: origin: is required \(set --origin or EDGE_ORIGIN\)\n$/],
  ['non-numeric port', ['--origin', 'http://127.0.0.1:1', '--port', 'eighty'], {}, /^cdn-edge: port: expected integer \(from --port\)\n$/],
  ['origin with a path', ['--origin', 'http://127.0.0.1:1/x'], {}, /^cdn-edge: origin: must be an origin base URL without a path, e\.g\. http:\/\/127\.0\.0\.1:8000, got "http:\/\/127\.0\.0\.1:1\/x" \(from --origin\)\n$/],
  ['cache too small', ['--origin', 'http://127.0.0.1:1', '--cache-max-bytes', '10'], {}, /^cdn-edge: cache\.maxBytes: .*1024 \(from --cache-max-bytes\)\n$/],
  ['bad env value', ['--origin', 'http://127.0.0.1:1'], { EDGE_SET_COOKIE: 'sometimes' }, /^cdn-edge: cache\.setCookie: must be one of bypass, strip, store, got "sometimes" \(from env EDGE_SET_COOKIE\)\n$/],
  ['unknown HTTP layer', ['--origin', 'http://127.0.0.1:1', '--http-server', 'uws'], {}, /^cdn-edge: httpServer: must be one of own, node, got "uws" \(from --http-server\)\n$/],
  ['unknown HTTP/2 layer', ['--origin', 'http://127.0.0.1:1', '--h2-server', 'nghttp2'], {}, /^cdn-edge: http2\.server: must be one of node, own, got "nghttp2" \(from --h2-server\)\n$/],
  ['unknown flag', ['--origni', 'x'], {}, /^cdn-edge: Unknown option '--origni' \(see --help\)\n$/],
  ['missing config file', ['--config', '/nonexistent/edge.json'], {}, /^cdn-edge: --config: cannot read \/nonexistent\/edge\.json: ENOENT\n$/],
  ['peers without a peer secret', ['--origin', 'http://127.0.0.1:1', '--id', 'e1', '--peers', 'e1=http://127.0.0.1:1,e2=http://127.0.0.1:2'], {}, /^cdn-edge: peerAuth\.secret: is required with --peers unless --peer-auth off/],
  ['unknown peer-auth mode', ['--origin', 'http://127.0.0.1:1', '--peer-auth', 'maybe'], {}, /^cdn-edge: peerAuth\.mode: must be one of off, accept, require, got "maybe" \(from --peer-auth\)\n$/],
  ['a short peer secret, not echoed', ['--origin', 'http://127.0.0.1:1', '--peer-secret', 'tooshort-but-secret'], {}, /^cdn-edge: peerAuth\.secret: expected string length greater or equal to 32 \(from --peer-secret\)\n$/],
  ['unreadable peer secret file', ['--origin', 'http://127.0.0.1:1', '--peer-secret-file', '/nonexistent/secret'], {}, /^cdn-edge: peerAuth\.secretFile: cannot read "\/nonexistent\/secret": ENOENT\n$/],
];

badInputTests(test, bin, badInputs);

test('--help documents every flag', () => {
  const result = run(['--help']);
  assert.is(result.status, 0);
  for (const flag of ['--origin', '--port', '--config', '--admin-port', '--admin-token', '--cache-max-bytes', '--max-object-bytes', '--set-cookie', '--http-server']) {
    assert.ok(result.stdout.includes(flag), flag);
  }
});

test('admin port: /metrics and /healthz need the bearer token; SIGTERM exits cleanly', async () => {
  const child = spawn(process.execPath, [bin, '--origin', 'http://127.0.0.1:9', '--port', '0', '--admin-port', '0', '--admin-token', 'secret-token-123456'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const adminUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /admin on (http:\/\/[^\s]+)/.exec(out);
        if (m !== null) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`edge exited early: ${out}`)));
    });
    const denied = await request(`${adminUrl}/metrics`);
    assert.is(denied.statusCode, 401);
    await denied.body.dump();
    const metrics = await request(`${adminUrl}/metrics`, { headers: { authorization: 'Bearer secret-token-123456' } });
    assert.is(metrics.statusCode, 200);
    const text = await metrics.body.text();
    assert.match(text, /# TYPE edge_requests_total counter/);
    assert.match(text, /edge_cache_bytes 0/);
    const health = await request(`${adminUrl}/healthz`, { headers: { authorization: 'Bearer secret-token-123456' } });
    assert.is(health.statusCode, 200);
    assert.is(((await health.body.json()) as { status: string }).status, 'ok');
    for (const [probe, body] of [['/livez', 'up\n'], ['/readyz', 'ready\n']] as const) {
      const res = await request(`${adminUrl}${probe}`);
      assert.is(res.statusCode, 200, `${probe} needs no token`);
      assert.is(await res.body.text(), body, 'and tells nothing but up/ready');
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.is(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

// Which layer answered: node:http announces its keep-alive timeout on every HTTP/1.1 answer; the own layer says nothing (RFC 9112 §9.3: persistence is the default).
const layers: Array<[string, string[], 'own' | 'node']> = [
  ['--http-server own', ['--http-server', 'own'], 'own'],
  ['--http-server node', ['--http-server', 'node'], 'node'],
  ['no --http-server (the default is own)', [], 'own'],
];
for (const [label, layerArgs, layer] of layers) {
  test(`${label}: the edge answers on it (502 with Cache-Status when the origin is down) and SIGTERM exits 0`, async () => {
    const child = spawn(process.execPath, [bin, '--origin', 'http://127.0.0.1:9', '--port', '0', ...layerArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/[^\s]+)/.exec(out);
          if (m !== null) resolve(m[1]!);
        });
        child.once('exit', () => reject(new Error(`edge exited early: ${out}`)));
      });
      const res = await request(`${url}/x`);
      assert.ok(res.statusCode >= 500, `status ${res.statusCode}`);
      assert.ok(typeof res.headers['cache-status'] === 'string');
      assert.is(res.headers['keep-alive'] === undefined ? 'own' : 'node', layer, 'the layer that answered');
      await res.body.dump();
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.is(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
}
// The listening line is what supervisors and scripts wait for; a SIGTERM sent the moment it appears must already find the graceful handler (exit 0), not the default action.
test('SIGTERM sent as soon as the listening line appears (admin port configured) is a graceful exit 0', async () => {
  const child = spawn(process.execPath, [bin, '--origin', 'http://127.0.0.1:9', '--port', '0', '--admin-port', '0', '--admin-token', 'secret-token-123456'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const first = !/listening on http:/.test(out);
      out += chunk.toString();
      if (first && /listening on http:/.test(out)) child.kill('SIGTERM');
    });
    assert.equal(await exited, { code: 0, signal: null });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('-h is --help', () => {
  const result = run(['-h']);
  assert.is(result.status, 0);
  assert.match(result.stdout, /^Usage: cdn-edge \[flags\]/);
});

test.run();
