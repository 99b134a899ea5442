/**
 * The edge container as the rendered StatefulSet runs it (pod-process.ts: the image's entrypoint,
 * the Secret mounted as files, the ConfigMap as environment, $(POD_NAME) expanded the way
 * Kubernetes does). With the base's placeholder secrets it must refuse to start in one line; with
 * real ones it must serve. Ports and addresses
 * are overridden after the manifest's own (the last flag wins) so everything stays on 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PodProcess } from './pod-process.js';
import { named } from './rendered-manifests.js';

const LOOPBACK_OVERRIDES = ['--host=127.0.0.1', '--port=0', '--admin-host=127.0.0.1', '--admin-port=0', '--control-plane=http://127.0.0.1:1'];
const pod = new PodProcess(named('StatefulSet', 'edge'), { 'metadata.name': 'edge-0', 'metadata.namespace': 'edgeworks' });
const container = pod.container;

test("with the base's placeholder secrets the edge refuses to start, in one line naming the field", () => {
  const dir = pod.mountSecret();
  try {
    const env = pod.env(dir);
    const [file, ...args] = pod.command(env, LOOPBACK_OVERRIDES);
    const result = spawnSync(file!, args, { encoding: 'utf8', env });
    assert.is(result.status, 2, result.stderr);
    assert.match(result.stderr, /^cdn-edge: (admin|controlPlane)\.token: expected string length greater or equal to 16 \(from env EDGE_(ADMIN|CONTROL_PLANE)_TOKEN\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A value long enough for every key (tokens >= 16 characters, the peer secret >= 32). */
const realValue = (key: string) => `${key.toLowerCase()}-0123456789abcdef0123456789abcdef\n`;

test('with real tokens but a peer secret under 32 characters the edge refuses to start, naming the file setting', () => {
  const dir = pod.mountSecret((key) => (key === 'peer-secret' ? 'short-peer-secret-0123456789\n' : realValue(key)));
  try {
    const env = pod.env(dir);
    const [file, ...args] = pod.command(env, LOOPBACK_OVERRIDES);
    const result = spawnSync(file!, args, { encoding: 'utf8', env });
    assert.is(result.status, 2, result.stderr);
    assert.is(result.stderr, 'cdn-edge: peerAuth.secretFile: every secret must be at least 32 characters\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with real secrets the same pod spec starts an edge named after its pod, and SIGTERM stops it cleanly', async () => {
  const dir = pod.mountSecret(realValue);
  const env = pod.env(dir);
  const [file, ...args] = pod.command(env, LOOPBACK_OVERRIDES);
  const child = spawn(file!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stdout = '';
    const listening = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes(' admin on ')) resolve(stdout);
      });
      child.once('exit', (code) => reject(new Error(`edge exited ${code} before listening: ${stdout}`)));
    });
    assert.match(listening, /^cdn-edge edge-0 listening on http:\/\/127\.0\.0\.1:\d+ -> origin http:\/\/origin\.example\.internal\n/);
    // The admin token came from the mounted file: it is not printed (a generated one would be),
    // and the admin port takes it. (Answering also means the edge is past installing its SIGTERM
    // handler, which it does only after printing these lines.)
    assert.not.match(listening, /generated token/);
    const admin = /admin on (http:\/\/127\.0\.0\.1:\d+)/.exec(listening)![1]!;
    const withToken = await fetch(`${admin}/healthz`, { headers: { authorization: `Bearer ${realValue('EDGE_ADMIN_TOKEN').trim()}` } });
    assert.is(withToken.status, 200);
    assert.is(((await withToken.json()) as { id: string }).id, 'edge-0');
    const without = await fetch(`${admin}/healthz`);
    assert.is(without.status, 401);
    await without.arrayBuffer();
    // The probes the StatefulSet uses need no token. Live; not ready, since readiness waits for the
    // first lease and the control plane here (127.0.0.1:1) refuses: 503, never 401.
    const live = await fetch(`${admin}${container.livenessProbe.httpGet.path}`);
    assert.equal([live.status, await live.text()], [200, 'up\n']);
    const ready = await fetch(`${admin}${container.readinessProbe.httpGet.path}`);
    assert.equal([ready.status, await ready.text()], [503, 'not ready\n']);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.is(await exited, 0);
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
