/**
 * Per-edge lease records shared by the replicas of the etcd store, so that a replica that takes
 * over, or any replica an edge moves to, knows which edges hold leases and until when: its
 * receipts then wait for those edges (or count their lapses) exactly as the granting replica's do.
 *
 * A replica that grants a lease publishes it under `<prefix>leases/<edge id>` as
 * `{ replica, grant }` (the newest grant per edge wins; grants are coalesced and written together
 * every `publishIntervalMs`, like edge reports). Every replica reads the records at start and
 * watches them, feeding other replicas' grants into its registry (`leaseGrantedElsewhere`).
 *
 * Liveness comes from etcd leases, but not the publishing replica's: a record must outlive the
 * replica that wrote it, because the edge still holds the lease after that replica died, and that
 * is when the others need the record most. So each record hangs off an etcd lease that is never
 * renewed and whose TTL covers the edge lease plus its grace: etcd deletes the record once the
 * edge lease it describes has run out, whoever is alive. One etcd lease serves every record
 * written within `rotateMs` (its TTL covers that too), so a fleet costs about one lease grant a
 * second and one transaction per publish interval.
 *
 * Readers judge a record by its times, not by its presence; the TTL only keeps etcd from filling
 * up. A grant reaches the other replicas within `publishIntervalMs` plus a watch event; the edge
 * renews every leaseMs/3, so that delay matters only for a grant made just before the previous
 * lease lapsed, which is what `leaseGraceMs` is there for.
 */
import type { Logger, TimerHandle, Timers } from '../../common/ports.js';
import type { LeaseGrant } from '../edges.js';
import type { EtcdKv, KeyValue, TxnOp } from './etcd-kv.js';
import { followPrefix, type PrefixFollower } from './follow-prefix.js';

export interface SharedLeasesOptions {
  prefix: string;
  replicaId: string;
  publishIntervalMs: number;
  /** The edge lease length and grace (control-plane config `leaseMs`, `leaseGraceMs`): what a record's etcd lease must outlive. */
  leaseMs: number;
  leaseGraceMs: number;
  /** One etcd lease is reused for records written within this long of its grant. */
  rotateMs: number;
  /** Records per transaction (etcd's --max-txn-ops is 128). */
  maxPerTxn: number;
  retryMs: number;
}

export const SHARED_LEASES_DEFAULTS = { publishIntervalMs: 200, rotateMs: 1_000, maxPerTxn: 100, retryMs: 500 } as const;

/**
 * TTL of the etcd lease a record hangs off: the edge lease and its grace from the grant, plus the
 * longest a record waits to be written and the etcd lease's reuse, plus one second because etcd
 * counts TTLs in whole seconds.
 */
export function leaseRecordTtlSeconds(o: Pick<SharedLeasesOptions, 'leaseMs' | 'leaseGraceMs' | 'rotateMs' | 'publishIntervalMs'>): number {
  return Math.ceil((o.leaseMs + o.leaseGraceMs + o.publishIntervalMs + o.rotateMs) / 1000) + 1;
}

interface StoredLease {
  replica: string;
  grant: LeaseGrant;
}

export class SharedLeases {
  private readonly prefix: string;
  private readonly due = new Map<string, LeaseGrant>();
  private timer: TimerHandle | undefined;
  private follower: PrefixFollower | undefined;
  private leaseId: string | undefined;
  private leaseGrantedAtMs = -Infinity;
  private closed = false;
  private onRemote: (grant: LeaseGrant) => void = () => undefined;

  constructor(
    private readonly deps: { kv: EtcdKv; timers: Timers; logger: Logger; monoMs: () => number },
    private readonly options: SharedLeasesOptions,
  ) {
    this.prefix = `${options.prefix}leases/`;
  }

  /** Reads the records other replicas wrote, then follows them; `onRemote` gets each of their grants. */
  async start(onRemote: (grant: LeaseGrant) => void): Promise<void> {
    this.onRemote = onRemote;
    this.follower = await followPrefix(this.deps, this.prefix, this.options.retryMs, (kv) => this.deliver(kv));
    this.schedule();
  }

  /** A grant this replica made; the other replicas see it within publishIntervalMs. */
  publish(grant: LeaseGrant): void {
    const previous = this.due.get(grant.edge);
    if (previous === undefined || grant.leaseUntilMs >= previous.leaseUntilMs) this.due.set(grant.edge, grant);
  }

  /** Stops publishing and following. Records stay in etcd until their own etcd lease runs out. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.follower?.cancel();
  }

  private deliver(kv: KeyValue): void {
    let stored: StoredLease;
    try {
      stored = JSON.parse(kv.value) as StoredLease;
    } catch {
      return;
    }
    const g = stored?.grant;
    if (stored.replica === this.options.replicaId || typeof g?.edge !== 'string') return;
    if (![g.issuedAtMs, g.leaseUntilMs, g.heldSinceMs].every((n) => Number.isSafeInteger(n) && n >= 0)) return;
    this.onRemote({ edge: g.edge, issuedAtMs: g.issuedAtMs, leaseUntilMs: g.leaseUntilMs, heldSinceMs: g.heldSinceMs });
  }

  private schedule(): void {
    this.timer = this.deps.timers.after(this.options.publishIntervalMs, () => {
      void this.flush().finally(() => {
        if (!this.closed) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    if (this.due.size === 0) return;
    const { kv } = this.deps;
    try {
      const nowMs = this.deps.monoMs();
      if (this.leaseId === undefined || nowMs - this.leaseGrantedAtMs >= this.options.rotateMs) {
        this.leaseId = await kv.leaseGrant(leaseRecordTtlSeconds(this.options));
        this.leaseGrantedAtMs = nowMs;
      }
      const batch = [...this.due.values()].slice(0, this.options.maxPerTxn);
      const lease = this.leaseId;
      const ops = batch.map((grant): TxnOp => ({ put: { key: `${this.prefix}${grant.edge}`, value: JSON.stringify({ replica: this.options.replicaId, grant } satisfies StoredLease), lease } }));
      await kv.txn([], ops, []);
      // Only what was written leaves the queue; a newer grant for the same edge stays due.
      for (const grant of batch) if (this.due.get(grant.edge) === grant) this.due.delete(grant.edge);
    } catch (err) {
      // The etcd lease may be gone (etcd restored, or this replica stalled past its TTL): a new one next time.
      this.leaseId = undefined;
      this.deps.logger.log('debug', 'publishing lease records failed; retrying', { error: (err as Error).message });
    }
  }
}
