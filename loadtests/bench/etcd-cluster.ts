/**
 * A real etcd cluster on loopback for the etcd store's fault tests (`npm run test:ha`) and the
 * purge bench: members on ports found free at run time, data in a temporary directory, started,
 * killed (SIGKILL) and restarted from their data directories. Waits are on conditions (a health
 * answer, a status showing a leader) with generous bounds, never on elapsed time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { freePorts } from './peer-hop.js';
import { spawnProcess, stopProcess, type Spawned } from './processes.js';

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
    /** CPU every member is pinned to (taskset); undefined: unpinned. */
    readonly cpu: number | undefined,
  ) {
    this.members = members;
  }

  /** `parentDir`: where the members' data goes (a new temporary directory when absent); `cpu`: pin every member there. */
  static async create(size: number, parentDir?: string, cpu?: number): Promise<EtcdCluster> {
    const dir = mkdtempSync(join(parentDir ?? tmpdir(), 'edgeworks-etcd-'));
    const ports = await freePorts(size * 2);
    const members = Array.from({ length: size }, (_, i) => ({
      name: `m${i + 1}`,
      clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
      dataDir: join(dir, `m${i + 1}`),
      proc: undefined,
    }));
    const cluster = new EtcdCluster(dir, members, cpu);
    try {
      for (const m of members) cluster.start(m);
      await cluster.waitHealthy();
    } catch (err) {
      // Nobody else holds the cluster yet: members left running would outlive the bench section.
      await cluster.stopAll().catch(() => undefined);
      throw err;
    }
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
      cpu: this.cpu,
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

