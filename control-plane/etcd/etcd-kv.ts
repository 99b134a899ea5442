/**
 * The port through which the etcd store reaches etcd: the handful of v3 KV, watch and lease calls
 * it needs, with keys and values as plain strings and revisions as numbers. The real
 * implementation (adapters/etcd-client.ts) speaks etcd's v3 JSON gateway; tests pass an
 * in-memory one (test/control-plane/support/memory-etcd.ts) that keeps the same rules.
 */

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
}

export interface RangeOptions {
  /** Exclusive end of the range; absent: the single key. */
  rangeEnd?: string;
  limit?: number;
  /** Keys in descending order (etcd's sort_order DESCEND by key): with limit 1, the last key of the range. */
  descending?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** True when `limit` cut the answer short. */
  more: boolean;
  /** The store's revision when the read was served. */
  revision: number;
}

/** One comparison of a transaction (etcd's Compare, only the forms this store uses). */
export type Compare =
  | { key: string; target: 'value'; equals: string }
  /** createRevision 0 means "the key does not exist". */
  | { key: string; target: 'createRevision'; equals: number };

export type TxnOp =
  | { put: { key: string; value: string; lease?: string } }
  | { range: { key: string; rangeEnd?: string } }
  | { deleteRange: { key: string; rangeEnd?: string } };

export interface TxnResult {
  succeeded: boolean;
  revision: number;
  /** One entry per op of the branch that ran; the KeyValues a range op read, [] for others. */
  ranges: KeyValue[][];
}

export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
}

export type WatchEnd =
  /** History before `compactRevision` is gone: re-read with range, then watch again. */
  | { kind: 'compacted'; compactRevision: number }
  | { kind: 'failed'; message: string };

export type OnWatchEvents = (events: WatchEvent[], revision: number) => void;
export type OnWatchEnd = (end: WatchEnd) => void;

export interface WatchHandle {
  cancel(): void;
}

export interface EtcdKv {
  range(key: string, options?: RangeOptions): Promise<RangeResult>;
  txn(compare: Compare[], success: TxnOp[], failure: TxnOp[]): Promise<TxnResult>;
  /**
   * Reports every change to keys in [key, rangeEnd) from `startRevision` on, in revision order.
   * `onEnd` is called once when the watch stops for any reason other than cancel().
   */
  watch(key: string, rangeEnd: string, startRevision: number, onEvents: OnWatchEvents, onEnd: OnWatchEnd): WatchHandle;
  /** A lease that expires `ttlSeconds` after its last keep-alive; returns its id. */
  leaseGrant(ttlSeconds: number): Promise<string>;
  /** Renews the lease; returns the remaining TTL in seconds, 0 when it had already expired. */
  leaseKeepAlive(id: string): Promise<number>;
  leaseRevoke(id: string): Promise<void>;
  /** Drops the history (not the keys) before `revision`. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

/** An etcd call that failed; `ambiguous` when the request may have been applied anyway. */
export class EtcdError extends Error {
  constructor(
    message: string,
    readonly ambiguous: boolean,
  ) {
    super(message);
    this.name = 'EtcdError';
  }
}

/** The key just after every key starting with `prefix` (etcd's "prefix" range end). */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
