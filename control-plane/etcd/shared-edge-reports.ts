/**
 * Edge reports (heartbeats and acks) shared by the replicas of the etcd store, so that a receipt,
 * `/edges` and the membership pushed to edges say the same on every replica, whichever replica an
 * edge streams from and acks to.
 *
 * A replica that receives a report publishes it under `<prefix>edges/<edge id>`; reports are
 * coalesced per edge and written together every `publishIntervalMs` (one transaction, so an
 * edge fleet costs a few writes a second, not one per ack). Every replica watches `edges/` and
 * feeds other replicas' reports into its own registry. The keys hang off this replica's etcd
 * lease: when a replica dies, what it published disappears with it instead of piling up.
 */
import type { Logger, TimerHandle, Timers } from '../../common/ports.js';
import type { EtcdKv, KeyValue, TxnOp } from './etcd-kv.js';
import { followPrefix, type PrefixFollower } from './follow-prefix.js';

export interface EdgeReport {
  edge: string;
  appliedSeq: number;
  /** Present for heartbeats: membership facts and load. */
  heartbeat?: { region: string; url: string; weight: number; requestsPerSec: number; errorRate: number; leaving?: boolean };
}

export interface SharedEdgeReportsOptions {
  prefix: string;
  replicaId: string;
  publishIntervalMs: number;
  /** TTL of the lease the published keys hang off. */
  leaseTtlSeconds: number;
  /** Reports per transaction (etcd's --max-txn-ops is 128). */
  maxPerTxn: number;
  retryMs: number;
}

export const SHARED_REPORTS_DEFAULTS = { publishIntervalMs: 200, leaseTtlSeconds: 10, maxPerTxn: 100, retryMs: 500 } as const;

interface Stored {
  replica: string;
  report: EdgeReport;
}

export class SharedEdgeReports {
  private readonly prefix: string;
  private readonly due = new Map<string, EdgeReport>();
  private timer: TimerHandle | undefined;
  private follower: PrefixFollower | undefined;
  private leaseId: string | undefined;
  private leaseRenewedAtMs = -Infinity;
  private closed = false;
  private onRemote: (report: EdgeReport) => void = () => undefined;

  constructor(
    private readonly deps: { kv: EtcdKv; timers: Timers; logger: Logger; monoMs: () => number },
    private readonly options: SharedEdgeReportsOptions,
  ) {
    this.prefix = `${options.prefix}edges/`;
  }

  /** Reads what other replicas published, then follows it; `onRemote` gets each of their reports. */
  async start(onRemote: (report: EdgeReport) => void): Promise<void> {
    this.onRemote = onRemote;
    this.follower = await followPrefix(this.deps, this.prefix, this.options.retryMs, (kv) => this.deliver(kv));
    this.schedule();
  }

  /** A report this replica received from an edge; it reaches the other replicas within publishIntervalMs. */
  publish(report: EdgeReport): void {
    const previous = this.due.get(report.edge);
    // An ack must not drop the heartbeat facts waiting with it.
    this.due.set(report.edge, previous?.heartbeat !== undefined && report.heartbeat === undefined ? { ...previous, appliedSeq: Math.max(previous.appliedSeq, report.appliedSeq) } : report);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.follower?.cancel();
    if (this.leaseId !== undefined) await this.deps.kv.leaseRevoke(this.leaseId).catch(() => undefined);
  }

  private deliver(kv: KeyValue): void {
    let stored: Stored;
    try {
      stored = JSON.parse(kv.value) as Stored;
    } catch {
      return;
    }
    if (stored.replica === this.options.replicaId || typeof stored.report?.edge !== 'string' || typeof stored.report.appliedSeq !== 'number') return;
    this.onRemote(stored.report);
  }

  private schedule(): void {
    this.timer = this.deps.timers.after(this.options.publishIntervalMs, () => {
      void this.flush().finally(() => {
        if (!this.closed) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const { kv } = this.deps;
    try {
      const nowMs = this.deps.monoMs();
      if (this.leaseId === undefined || nowMs - this.leaseRenewedAtMs >= (this.options.leaseTtlSeconds * 1000) / 3) {
        if (this.leaseId !== undefined && (await kv.leaseKeepAlive(this.leaseId)) <= 0) this.leaseId = undefined;
        this.leaseId ??= await kv.leaseGrant(this.options.leaseTtlSeconds);
        this.leaseRenewedAtMs = nowMs;
      }
      if (this.due.size === 0) return;
      const batch = [...this.due.values()].slice(0, this.options.maxPerTxn);
      const lease = this.leaseId;
      const ops = batch.map((report): TxnOp => ({ put: { key: `${this.prefix}${report.edge}`, value: JSON.stringify({ replica: this.options.replicaId, report } satisfies Stored), lease } }));
      await kv.txn([], ops, []);
      // Only what was written leaves the queue; a newer report for the same edge stays due.
      for (const report of batch) if (this.due.get(report.edge) === report) this.due.delete(report.edge);
    } catch (err) {
      this.deps.logger.log('debug', 'publishing edge reports failed; retrying', { error: (err as Error).message });
    }
  }
}
