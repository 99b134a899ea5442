/**
 * A rendered workload's container run as a local process, the way Kubernetes would run it: the
 * image's entrypoint (deploy/bin/credentials-env) with the pod's Secret mounted as files, its
 * ConfigMap as environment, `env` entries resolved (field refs from a given pod, ConfigMap keys
 * from the rendered ConfigMap) and `$(VAR)` in the args expanded. The Secret is written to a
 * scratch directory, and its mount path in the args is rewritten to that directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { deployDir, repoRoot } from './deploy-paths.js';
import { named, type K8sObject } from './rendered-manifests.js';

/** The entrypoint's names for the binaries in the image. */
const BINARIES: Record<string, string> = { 'cdn-edge': 'dist/edge/main.js', 'cdn-control-plane': 'dist/control-plane/main.js' };

interface EnvEntry {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string; key: string } };
}

export class PodProcess {
  readonly container: any;
  /** The Secret's keys and values, decoded. */
  readonly secret: Record<string, string>;
  private readonly mountPath: string;

  /** `pod`: the downward API's answers, e.g. `{ 'metadata.name': 'edge-0' }`. */
  constructor(
    workload: K8sObject,
    private readonly pod: Record<string, string>,
  ) {
    const spec = workload['spec'].template.spec;
    this.container = spec.containers[0];
    const volume = (spec.volumes as Array<{ name: string; secret?: { secretName: string } }>).find((v) => v.secret !== undefined)!;
    this.mountPath = (this.container.volumeMounts as Array<{ name: string; mountPath: string }>).find((m) => m.name === volume.name)!.mountPath;
    const data: Record<string, string> = named('Secret', volume.secret!.secretName)['data'];
    this.secret = Object.fromEntries(Object.entries(data).map(([key, base64]) => [key, Buffer.from(base64, 'base64').toString('utf8')]));
  }

  /** Writes the Secret's keys as files into a new scratch directory, each value replaced when `values` is given. */
  mountSecret(values?: (key: string) => string): string {
    const dir = mkdtempSync(join(tmpdir(), 'pod-secret-'));
    for (const [key, value] of Object.entries(this.secret)) writeFileSync(join(dir, key), values?.(key) ?? value);
    return dir;
  }

  /** The pod's environment with the Secret mounted at `credentialsDirectory`. */
  env(credentialsDirectory: string): Record<string, string> {
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '' };
    for (const source of this.container.envFrom ?? []) Object.assign(env, named('ConfigMap', source.configMapRef.name)['data']);
    for (const entry of (this.container.env ?? []) as EnvEntry[]) {
      const from = entry.valueFrom;
      let value = entry.value;
      if (from?.fieldRef !== undefined) value = this.pod[from.fieldRef.fieldPath];
      if (from?.configMapKeyRef !== undefined) value = named('ConfigMap', from.configMapKeyRef.name)['data'][from.configMapKeyRef.key];
      assert.ok(value !== undefined, `env ${entry.name} resolves`);
      env[entry.name] = value;
    }
    env['CREDENTIALS_DIRECTORY'] = credentialsDirectory;
    return env;
  }

  /** The command the container runs, then `overrides` (the last flag wins). */
  command(env: Record<string, string>, overrides: readonly string[]): string[] {
    const [binary, ...args] = this.container.args as string[];
    const main = BINARIES[binary!];
    assert.ok(main !== undefined, `the image runs ${binary}`);
    const expanded = args.map((arg) => arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name: string) => env[name] ?? `$(${name})`).replaceAll(this.mountPath, env['CREDENTIALS_DIRECTORY']!));
    return [join(deployDir, 'bin/credentials-env'), process.execPath, join(repoRoot, main!), ...expanded, ...overrides];
  }
}
