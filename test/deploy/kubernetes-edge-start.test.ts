/**
 * The edge container as the rendered StatefulSet runs it: the image's entrypoint
 * (deploy/bin/credentials-env) with the Secret mounted as files, the ConfigMap as environment and
 * the pod's args with $(POD_NAME) expanded the way Kubernetes does. With the base's placeholder
 * secrets it must refuse to start in one line; with real ones it must serve. Ports and addresses
 * are overridden after the manifest's own (the last flag wins) so everything stays on 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deployDir, repoRoot } from './deploy-paths.js';
import { named } from './rendered-manifests.js';

const LOOPBACK_OVERRIDES = ['--host=127.0.0.1', '--port=0', '--admin-host=127.0.0.1', '--admin-port=0', '--control-plane=http://127.0.0.1:1'];
const POD = { 'metadata.name': 'edge-0', 'metadata.namespace': 'edgeworks' } as Record<string, string>;

const container = named('StatefulSet', 'edge')['spec'].template.spec.containers[0];
const configMap: Record<string, string> = named('ConfigMap', container.envFrom[0].configMapRef.name)['data'];
const secretName: string = named('StatefulSet', 'edge')['spec'].template.spec.volumes.find((v: { secret?: unknown }) => v.secret !== undefined).secret.secretName;
const secret: Record<string, string> = named('Secret', secretName)['data'];

/** The pod's environment: the ConfigMap, then `env` entries (field refs resolved for pod edge-0). */
function podEnv(credentialsDirectory: string): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', ...configMap };
  for (const entry of container.env as Array<{ name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }>) {
    env[entry.name] = entry.value ?? POD[entry.valueFrom!.fieldRef.fieldPath]!;
  }
  env['CREDENTIALS_DIRECTORY'] = credentialsDirectory;
  return env;
}

/** The command the container runs: entrypoint, the binary for `cdn-edge`, args with $(VAR) expanded. */
function command(env: Record<string, string>): string[] {
  const [binary, ...args] = container.args as string[];
  assert.is(binary, 'cdn-edge');
  const expanded = args.map((arg) => arg.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => env[name] ?? `$(${name})`));
  return [join(deployDir, 'bin/credentials-env'), process.execPath, join(repoRoot, 'dist/edge/main.js'), ...expanded, ...LOOPBACK_OVERRIDES];
}

/** Writes the Secret's keys as files, each value replaced when `values` is given. */
function mountSecret(values?: (key: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-secret-'));
  for (const [key, base64] of Object.entries(secret)) writeFileSync(join(dir, key), values?.(key) ?? Buffer.from(base64, 'base64').toString('utf8'));
  return dir;
}

test("with the base's placeholder secrets the edge refuses to start, in one line naming the field", () => {
  const dir = mountSecret();
  try {
    const env = podEnv(dir);
    const [file, ...args] = command(env);
    const result = spawnSync(file!, args, { encoding: 'utf8', env });
    assert.is(result.status, 2, result.stderr);
    assert.match(result.stderr, /^cdn-edge: (admin|controlPlane)\.token: expected string length greater or equal to 16 \(from env EDGE_(ADMIN|CONTROL_PLANE)_TOKEN\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with real secrets the same pod spec starts an edge named after its pod, and SIGTERM stops it cleanly', async () => {
  const dir = mountSecret((key) => `${key.toLowerCase()}-0123456789abcdef\n`);
  const env = podEnv(dir);
  const [file, ...args] = command(env);
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
    const withToken = await fetch(`${admin}/healthz`, { headers: { authorization: 'Bearer edge_admin_token-0123456789abcdef' } });
    assert.is(withToken.status, 200);
    assert.is(((await withToken.json()) as { id: string }).id, 'edge-0');
    const without = await fetch(`${admin}/healthz`);
    assert.is(without.status, 401);
    await without.arrayBuffer();
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
