/**
 * EtcdKv in memory with etcd's rules that the etcd store relies on: one revision counter bumped by
 * every write transaction, compare-and-set transactions applied atomically, watches that replay
 * history from a revision (and are cancelled as compacted when that history is gone), range
 * pagination in key order, and leases whose keys vanish on revoke or expiry.
 *
 * Faults for tests: `failNextTxn` ('lost-request': nothing applied; 'lost-reply': applied, but the
 * caller gets an ambiguous error), `holdWatches` (events queue until released: a lagging replica)
 * and `down` (every call fails, nothing applied).
 */
import { EtcdError, type Compare, type EtcdKv, type KeyValue, type RangeOptions, type RangeResult, type TxnOp, type TxnResult, type OnWatchEnd, type OnWatchEvents, type WatchEvent, type WatchHandle } from '../../../control-plane/etcd/etcd-kv.js';

interface Watcher {
  key: string;
  rangeEnd: string;
  onEvents: OnWatchEvents;
  onEnd: OnWatchEnd;
  queue: Array<{ events: WatchEvent[]; revision: number }>;
  cancelled: boolean;
}

export class MemoryEtcd {
  revision = 1;
  compactedRevision = 0;
  readonly data = new Map<string, KeyValue & { lease?: string }>();
  /** Every write, for watches that start in the past. */
  private history: Array<{ revision: number; events: WatchEvent[] }> = [];
  private watchers = new Set<Watcher>();
  private leases = new Map<string, { alive: boolean; ttlSeconds: number }>();
  private nextLease = 1;
  failNextTxn: 'lost-request' | 'lost-reply' | undefined;
  holdWatches = false;
  down = false;
  txns = 0;

  /** A client of this store (each replica gets its own, as each has its own connection). */
  client(): EtcdKv {
    return new MemoryEtcdClient(this);
  }

  range(key: string, options: RangeOptions = {}): RangeResult {
    this.check();
    const keys = [...this.data.keys()].filter((k) => inRange(k, key, options.rangeEnd)).sort();
    if (options.descending === true) keys.reverse();
    const limit = options.limit ?? Infinity;
    return { kvs: keys.slice(0, limit).map((k) => ({ ...this.data.get(k)! })), more: keys.length > limit, revision: this.revision };
  }

  txn(compare: Compare[], success: TxnOp[], failure: TxnOp[]): TxnResult {
    this.check();
    this.txns++;
    const fault = this.failNextTxn;
    this.failNextTxn = undefined;
    if (fault === 'lost-request') throw new EtcdError('connection reset before etcd read the request', true);
    const succeeded = compare.every((c) => {
      const kv = this.data.get(c.key);
      return c.target === 'value' ? kv?.value === c.equals : (kv?.createRevision ?? 0) === c.equals;
    });
    const ops = succeeded ? success : failure;
    const writes = ops.some((op) => !('range' in op));
    const revision = writes ? this.revision + 1 : this.revision;
    const events: WatchEvent[] = [];
    const ranges: KeyValue[][] = [];
    for (const op of ops) {
      if ('range' in op) {
        ranges.push(this.range(op.range.key, op.range.rangeEnd === undefined ? {} : { rangeEnd: op.range.rangeEnd }).kvs);
      } else if ('put' in op) {
        const old = this.data.get(op.put.key);
        const kv = { key: op.put.key, value: op.put.value, createRevision: old?.createRevision ?? revision, modRevision: revision, version: (old?.version ?? 0) + 1, ...(op.put.lease === undefined ? {} : { lease: op.put.lease }) };
        if (op.put.lease !== undefined && this.leases.get(op.put.lease)?.alive !== true) throw new EtcdError('etcdserver: requested lease not found', false);
        this.data.set(op.put.key, kv);
        events.push({ type: 'put', kv: { ...kv } });
        ranges.push([]);
      } else {
        for (const k of [...this.data.keys()].filter((k) => inRange(k, op.deleteRange.key, op.deleteRange.rangeEnd))) events.push(this.remove(k, revision));
        ranges.push([]);
      }
    }
    if (writes) this.commit(revision, events);
    if (fault === 'lost-reply') throw new EtcdError('connection reset after etcd applied the request', true);
    return { succeeded, revision: this.revision, ranges };
  }

  watch(key: string, rangeEnd: string, startRevision: number, onEvents: Watcher['onEvents'], onEnd: Watcher['onEnd']): WatchHandle {
    const watcher: Watcher = { key, rangeEnd, onEvents, onEnd, queue: [], cancelled: false };
    if (startRevision <= this.compactedRevision) {
      queueMicrotask(() => onEnd({ kind: 'compacted', compactRevision: this.compactedRevision }));
      return { cancel: () => undefined };
    }
    this.watchers.add(watcher);
    for (const entry of this.history) if (entry.revision >= startRevision) this.offer(watcher, entry.revision, entry.events);
    return {
      cancel: () => {
        watcher.cancelled = true;
        this.watchers.delete(watcher);
      },
    };
  }

  /** Delivers what held watches queued (in order). */
  releaseWatches(): void {
    this.holdWatches = false;
    for (const w of this.watchers) this.deliver(w);
  }

  /** Ends every watch as failed, as a killed member would. */
  breakWatches(): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.onEnd({ kind: 'failed', message: 'member went away' });
    }
  }

  /** Leases do not run out by themselves here: a test calls expireLease (and may check the TTL asked for). */
  leaseGrant(ttlSeconds = 0): string {
    this.check();
    const id = String(this.nextLease++);
    this.leases.set(id, { alive: true, ttlSeconds });
    return id;
  }

  /** The TTL the lease was granted with. */
  leaseTtlSeconds(id: string): number | undefined {
    return this.leases.get(id)?.ttlSeconds;
  }

  leaseKeepAlive(id: string): number {
    this.check();
    return this.leases.get(id)?.alive === true ? 3 : 0;
  }

  /** Revoke and expiry look the same: the lease's keys are deleted in one revision. */
  expireLease(id: string): void {
    const lease = this.leases.get(id);
    if (lease === undefined || !lease.alive) return;
    lease.alive = false;
    const revision = this.revision + 1;
    const events = [...this.data.values()].filter((kv) => kv.lease === id).map((kv) => this.remove(kv.key, revision));
    if (events.length > 0) this.commit(revision, events);
  }

  compact(revision: number): void {
    this.check();
    this.compactedRevision = Math.max(this.compactedRevision, revision);
    this.history = this.history.filter((e) => e.revision > revision);
  }

  /** Compacts all history: a watch started from an older revision is cancelled as compacted. */
  compactAll(): void {
    this.compact(this.revision);
  }

  private remove(key: string, revision: number): WatchEvent {
    const old = this.data.get(key)!;
    this.data.delete(key);
    return { type: 'delete', kv: { ...old, modRevision: revision } };
  }

  private commit(revision: number, events: WatchEvent[]): void {
    this.revision = revision;
    this.history.push({ revision, events });
    for (const w of this.watchers) this.offer(w, revision, events);
  }

  private offer(w: Watcher, revision: number, events: WatchEvent[]): void {
    const mine = events.filter((e) => inRange(e.kv.key, w.key, w.rangeEnd));
    if (mine.length === 0) return;
    w.queue.push({ events: mine, revision });
    // Delivered later, like a real stream: a commit's caller runs before watchers hear of it.
    queueMicrotask(() => this.deliver(w));
  }

  private deliver(w: Watcher): void {
    if (this.holdWatches) return;
    while (!w.cancelled && w.queue.length > 0) {
      const next = w.queue.shift()!;
      w.onEvents(next.events, next.revision);
    }
  }

  private check(): void {
    if (this.down) throw new EtcdError('etcd is unreachable', false);
  }
}

class MemoryEtcdClient implements EtcdKv {
  constructor(private readonly etcd: MemoryEtcd) {}
  async range(key: string, options?: RangeOptions): Promise<RangeResult> {
    return this.etcd.range(key, options);
  }
  async txn(compare: Compare[], success: TxnOp[], failure: TxnOp[]): Promise<TxnResult> {
    return this.etcd.txn(compare, success, failure);
  }
  watch(key: string, rangeEnd: string, startRevision: number, onEvents: Watcher['onEvents'], onEnd: Watcher['onEnd']): WatchHandle {
    return this.etcd.watch(key, rangeEnd, startRevision, onEvents, onEnd);
  }
  async leaseGrant(ttlSeconds: number): Promise<string> {
    return this.etcd.leaseGrant(ttlSeconds);
  }
  async leaseKeepAlive(id: string): Promise<number> {
    return this.etcd.leaseKeepAlive(id);
  }
  async leaseRevoke(id: string): Promise<void> {
    this.etcd.expireLease(id);
  }
  async compact(revision: number): Promise<void> {
    this.etcd.compact(revision);
  }
  async close(): Promise<void> {}
}

function inRange(key: string, start: string, end: string | undefined): boolean {
  return end === undefined ? key === start : key >= start && key < end;
}
