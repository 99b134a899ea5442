/**
 * A client of MemoryEtcd whose append transactions (those that compare on a value: the compare
 * on last-seq) wait until the test releases them, one by one and in any order, each applied,
 * lost before etcd read it, or applied with its answer lost. Lets a test hold several pipelined
 * batches in flight and decide what etcd sees first. Other calls pass straight through.
 */
import { EtcdError, type Compare, type EtcdKv, type TxnOp, type TxnResult } from '../../../control-plane/etcd/etcd-kv.js';
import type { MemoryEtcd } from './memory-etcd.js';

export interface HeldTxn {
  compare: Compare[];
  success: TxnOp[];
  failure: TxnOp[];
  /** The last-seq value the transaction compares on. */
  afterSeq: number;
}

type Release = 'apply' | 'lost-request' | 'lost-reply';

export class GatedEtcd {
  private readonly waiting: Array<HeldTxn & { resolve: (r: TxnResult) => void; reject: (e: Error) => void }> = [];

  constructor(private readonly etcd: MemoryEtcd) {}

  client(): EtcdKv {
    const inner = this.etcd.client();
    return {
      range: (key, options) => inner.range(key, options),
      txn: (compare, success, failure) => {
        const byValue = compare.find((c) => c.target === 'value');
        if (byValue === undefined) return inner.txn(compare, success, failure);
        return new Promise<TxnResult>((resolve, reject) => this.waiting.push({ compare, success, failure, afterSeq: Number(byValue.equals), resolve, reject }));
      },
      watch: (key, rangeEnd, startRevision, onEvents, onEnd) => inner.watch(key, rangeEnd, startRevision, onEvents, onEnd),
      leaseGrant: (ttl) => inner.leaseGrant(ttl),
      leaseKeepAlive: (id) => inner.leaseKeepAlive(id),
      leaseRevoke: (id) => inner.leaseRevoke(id),
      compact: (revision) => inner.compact(revision),
      close: () => inner.close(),
    };
  }

  /** The held transactions, in the order they were sent. */
  held(): readonly HeldTxn[] {
    return this.waiting;
  }

  /**
   * The caller of the held transaction at `index` gives up on it (a timeout: ambiguous error),
   * but the request stays held and can still be released into etcd later, as a proposal that
   * outlived its client's patience does.
   */
  timeOut(index: number): void {
    const txn = this.waiting[index];
    if (txn === undefined) throw new Error(`no held transaction at ${index} (${this.waiting.length} held)`);
    txn.reject(new EtcdError('request timed out; etcd may still apply it', true));
    txn.resolve = () => undefined;
    txn.reject = () => undefined;
  }

  /** Lets the held transaction at `index` reach etcd (or not, with a fault). */
  release(index: number, how: Release = 'apply'): void {
    const [txn] = this.waiting.splice(index, 1);
    if (txn === undefined) throw new Error(`no held transaction at ${index} (${this.waiting.length} held)`);
    this.etcd.failNextTxn = how === 'apply' ? undefined : how;
    try {
      txn.resolve(this.etcd.txn(txn.compare, txn.success, txn.failure));
    } catch (err) {
      txn.reject(err as Error);
    }
  }
}
