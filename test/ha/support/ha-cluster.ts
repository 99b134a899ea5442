/**
 * Real processes for the fault tests (`npm run test:ha`, never `npm test`): etcd members, control
 * plane replicas on the etcd store, and edges, all on loopback ports found free at run time.
 * Every child is SIGKILLed when the test process exits, however it exits. Waiting is always on a
 * condition (a printed line, a health answer, a log line) with a generous bound, never on time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { freePorts } from '../../../loadtests/bench/peer-hop.js';
import { spawnProcess, stopProcess, waitForLine, type Spawned } from '../../../loadtests/bench/processes.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export const TOKEN = 'ha-test-token-0123456789';
export const PREFIX = '/edgeworks/ha/';

/** Polls `probe` until it returns a value, at most `boundMs`; the bound is generous, never asserted on. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, boundMs = 60_000): Promise<T> {
  const deadline = performance.now() + boundMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what} after ${boundMs} ms${lastError === '' ? '' : `: ${lastError}`}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function postJson(url: string, body: unknown, timeoutMs = 5_000): Promise<{ status: number; json: any }> {
  const res = await request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}

export async function getJson(url: string, timeoutMs = 5_000): Promise<{ status: number; json: any }> {
  const res = await request(url, { headers: { authorization: `Bearer ${TOKEN}` }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  proc: Spawned | undefined;
}

export class EtcdCluster {
  readonly members: EtcdMember[];
  private constructor(
    readonly dir: string,
    members: EtcdMember[],
  ) {
    this.members = members;
  }

  static async create(size: number): Promise<EtcdCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'edgeworks-ha-'));
    const ports = await freePorts(size * 2);
    const members = Array.from({ length: size }, (_, i) => ({
      name: `m${i + 1}`,
      clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
      dataDir: join(dir, `m${i + 1}`),
      proc: undefined,
    }));
    const cluster = new EtcdCluster(dir, members);
    for (const m of members) cluster.start(m);
    await cluster.waitHealthy();
    return cluster;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  /** Starts (or restarts, from its data directory) one member. */
  start(m: EtcdMember): void {
    const initialCluster = this.members.map((x) => `${x.name}=${x.peerUrl}`).join(',');
    // Election timeout 2.5 s rather than 1 s: the test machine is shared and a starved member
    // must not trigger elections the test did not cause.
    m.proc = spawnProcess({
      name: `etcd ${m.name}`,
      cpu: undefined,
      command: 'etcd',
      args: [
        '--name', m.name, '--data-dir', m.dataDir,
        '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
        '--listen-peer-urls', m.peerUrl, '--initial-advertise-peer-urls', m.peerUrl,
        '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'edgeworks-ha',
        '--heartbeat-interval', '250', '--election-timeout', '2500', '--logger', 'zap', '--log-level', 'warn',
      ],
    });
  }

  /** Every running member answers /health true (it has a leader and can commit). */
  async waitHealthy(boundMs = 60_000): Promise<void> {
    await waitFor('a healthy etcd cluster', async () => {
      for (const m of this.members) {
        if (m.proc === undefined || m.proc.child.exitCode !== null) continue;
        const res = await request(`${m.clientUrl}/health`, { headersTimeout: 3_000, bodyTimeout: 3_000 });
        const body = (await res.body.json()) as { health?: string };
        if (body.health !== 'true') return undefined;
      }
      return true;
    }, boundMs);
  }

  /** The member that is raft leader now. */
  async leader(): Promise<EtcdMember> {
    return waitFor('an etcd leader', async () => {
      for (const m of this.members) {
        if (m.proc === undefined || m.proc.child.exitCode !== null || m.proc.child.signalCode !== null) continue;
        try {
          const res = await request(`${m.clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}', headersTimeout: 3_000, bodyTimeout: 3_000 });
          const status = (await res.body.json()) as { header?: { member_id?: string }; leader?: string };
          if (status.leader !== undefined && status.leader === status.header?.member_id) return m;
        } catch {
          // Not answering: not the leader we can kill.
        }
      }
      return undefined;
    });
  }

  async kill(m: EtcdMember): Promise<void> {
    if (m.proc !== undefined) await stopProcess(m.proc);
  }

  async stopAll(): Promise<void> {
    for (const m of this.members) await this.kill(m);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Replica {
  id: string;
  url: string;
  port: number;
  proc: Spawned | undefined;
}

export async function startReplica(r: Replica, endpoints: string[], extra: string[] = []): Promise<void> {
  r.proc = spawnProcess({
    name: `control plane ${r.id}`,
    cpu: undefined,
    command: process.execPath,
    args: [join(DIST, 'control-plane', 'main.js'), '--store', 'etcd', '--etcd-endpoints', endpoints.join(','), '--etcd-prefix', PREFIX, '--replica-id', r.id, '--port', String(r.port), '--token', TOKEN, '--log-level', 'warn', ...extra],
  });
  await waitForLine(r.proc, /listening on http:\/\/127\.0\.0\.1:\d+/, 60_000);
}

export interface EdgeLog {
  /** Every purge the edge applied, in the order it applied them. */
  applied: Array<{ seq: number; id: string }>;
  flushes: number[];
}

export interface EdgeProc {
  id: string;
  proc: Spawned;
  log: EdgeLog;
}

/** An edge in debug logging, its stderr parsed for `purge applied` and `cache flushed` lines. */
export async function startEdge(id: string, controlUrls: string[]): Promise<EdgeProc> {
  const proc = spawnProcess({
    name: `edge ${id}`,
    cpu: undefined,
    command: process.execPath,
    // The origin is never contacted: nobody requests content in this test.
    args: [join(DIST, 'edge', 'main.js'), '--id', id, '--port', '0', '--origin', 'http://127.0.0.1:9', '--control-plane', controlUrls.join(','), '--token', TOKEN, '--log-level', 'debug'],
  });
  const log: EdgeLog = { applied: [], flushes: [] };
  let partial = '';
  proc.child.stderr!.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { message?: string; seq?: number; id?: string; upToSeq?: number };
      if (entry.message === 'purge applied') log.applied.push({ seq: entry.seq!, id: entry.id! });
      else if (entry.message === 'cache flushed') log.flushes.push(entry.upToSeq!);
    }
  });
  await waitForLine(proc, /listening on/, 60_000);
  return { id, proc, log };
}

export { stopProcess };
