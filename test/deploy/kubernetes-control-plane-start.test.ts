/**
 * The control-plane container as the rendered Deployment runs it (pod-process.ts: the image's
 * entrypoint, the Secret mounted as files, the ConfigMap key and the pod's name and IP from the
 * downward API in its args), on the file store in a scratch data dir instead of etcd: `--store=file
 * --data-dir=...` and loopback address and port come after the manifest's own flags (the last flag
 * wins), so every other flag of the manifest is still parsed and validated. With the base's
 * placeholder token file it must refuse to start in one line; with real tokens it must serve its
 * probes without a token and /metrics with the admin token only, take the edge pod's stream with
 * the edge token, reload its tokens on SIGHUP and stop cleanly on SIGTERM.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PodProcess } from './pod-process.js';
import { named } from './rendered-manifests.js';

const cpPod = new PodProcess(named('Deployment', 'control-plane'), { 'metadata.name': 'control-plane-5d8f7c9b4-x2x7q', 'status.podIP': '127.0.0.1' });
const edgePod = new PodProcess(named('StatefulSet', 'edge'), { 'metadata.name': 'edge-0', 'metadata.namespace': 'edgeworks' });
const fileStore = (dataDir: string) => ['--host=127.0.0.1', '--port=0', '--store=file', `--data-dir=${dataDir}`];

const ADMIN = 'admin-token-0123456789abcdef';
const EDGE = 'edge-token-0123456789abcdef';
const tokenFile = (...lines: string[]) => `${lines.join('\n')}\n`;

/** Collects a child's output and resolves once it contains `pattern`; rejects if the child exits first. */
function outputOf(child: ChildProcessWithoutNullStreams): { text: () => string; waitFor: (pattern: RegExp) => Promise<RegExpExecArray> } {
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  const onData = (chunk: string): void => {
    text += chunk;
    for (const waiter of [...waiters]) {
      const m = waiter.pattern.exec(text);
      if (m !== null) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(m);
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  return {
    text: () => text,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const m = pattern.exec(text);
        if (m !== null) return resolve(m);
        waiters.push({ pattern, resolve });
        child.once('exit', (code) => reject(new Error(`exited ${code} before printing ${pattern}: ${text}`)));
      }),
  };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

async function statusOf(url: string, token?: string): Promise<number> {
  const res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

test("with the base's placeholder token file the control plane refuses to start, in one line naming the file", () => {
  const dir = cpPod.mountSecret();
  const dataDir = mkdtempSync(join(tmpdir(), 'cp-data-'));
  try {
    const env = cpPod.env(dir);
    const [file, ...args] = cpPod.command(env, fileStore(dataDir));
    const result = spawnSync(file!, args, { encoding: 'utf8', env });
    assert.is(result.status, 2, result.stderr);
    assert.is(result.stderr, `cdn-control-plane: tokenFile: ${dir}/control-plane-tokens line 1: admin token must be at least 16 characters, got 10\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('with real tokens it serves: probes without a token, /metrics with the admin token only, the edge pod streams with the edge token', async () => {
  const dir = cpPod.mountSecret(() => tokenFile(`admin ${ADMIN}`, `edge ${EDGE}`));
  const dataDir = mkdtempSync(join(tmpdir(), 'cp-data-'));
  const edgeDir = edgePod.mountSecret((key) => ({ EDGE_ADMIN_TOKEN: 'edge-admin-token-0123456789abcdef', EDGE_CONTROL_PLANE_TOKEN: EDGE, 'peer-secret': 'peer-secret-0123456789abcdef0123456789' })[key]!);
  const cpEnv = cpPod.env(dir);
  const [cpFile, ...cpArgs] = cpPod.command(cpEnv, fileStore(dataDir));
  const cp = spawn(cpFile!, cpArgs, { env: cpEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let edge: ChildProcessWithoutNullStreams | undefined;
  try {
    const cpOut = outputOf(cp);
    const listening = await cpOut.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+) \(tokens from (\S+);/);
    const url = listening[1]!;
    assert.is(listening[2], join(dir, 'control-plane-tokens'), 'the token file the manifest names');
    assert.ok(existsSync(join(dataDir, 'lock')), 'the data dir is locked while it runs');

    const container = cpPod.container;
    assert.is(await statusOf(`${url}${container.readinessProbe.httpGet.path}`), 200);
    assert.is(await statusOf(`${url}${container.livenessProbe.httpGet.path}`), 200);
    assert.is(await statusOf(`${url}/metrics`), 401);
    assert.is(await statusOf(`${url}/metrics`, EDGE), 401, 'the edge token cannot read /metrics');
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.is(metrics.status, 200);
    assert.match(await metrics.text(), /^control_plane_log_last_seq /m);

    // The edge pod, pointed at this control plane, presents EDGE_CONTROL_PLANE_TOKEN: its stream opens.
    const edgeEnv = edgePod.env(edgeDir);
    const [edgeFile, ...edgeArgs] = edgePod.command(edgeEnv, ['--host=127.0.0.1', '--port=0', '--admin-host=127.0.0.1', '--admin-port=0', `--control-plane=${url}`]);
    edge = spawn(edgeFile!, edgeArgs, { env: edgeEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const edgeOut = outputOf(edge);
    const refused = edgeOut.waitFor(/"message":"control-plane stream lost[^\n]*/).then((m) => assert.unreachable(`the edge's stream failed: ${m[0]}`));
    await Promise.race([cpOut.waitFor(/"message":"stream opened","edge":"edge-0"/), refused]);
    refused.catch(() => undefined); // the edge exits later, which rejects the wait

    // SIGHUP (systemctl reload) rereads the file: the old admin token stops working, the new one works.
    const NEW_ADMIN = 'new-admin-token-0123456789abcdef';
    writeFileSync(join(dir, 'control-plane-tokens'), tokenFile(`admin ${NEW_ADMIN}`, `edge ${EDGE}`));
    cp.kill('SIGHUP');
    await cpOut.waitFor(/"message":"SIGHUP: tokens reloaded"/);
    assert.is(await statusOf(`${url}/metrics`, ADMIN), 401);
    assert.is(await statusOf(`${url}/metrics`, NEW_ADMIN), 200);

    assert.is(await stop(edge), 0, 'the edge stops cleanly');
    assert.is(await stop(cp), 0, 'SIGTERM stops the control plane cleanly');
    assert.not.ok(existsSync(join(dataDir, 'lock')), 'the lock is removed on exit');
  } finally {
    if (edge !== undefined) await stop(edge);
    await stop(cp);
    for (const d of [dir, dataDir, edgeDir]) rmSync(d, { recursive: true, force: true });
  }
});

test.run();
