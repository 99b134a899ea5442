/**
 * The purges an in-memory etcd holds under a log's `batches/` keys, flattened in key order (one
 * key per appended batch: etcd-purge-log.ts), for tests that look at what etcd itself kept.
 */
import type { PurgeRecord } from '../../../common/control-protocol.js';
import { etcdKeys } from '../../../control-plane/etcd/etcd-purge-log.js';
import type { MemoryEtcd } from './memory-etcd.js';

export function storedPurges(etcd: MemoryEtcd, prefix: string): PurgeRecord[] {
  const { batches } = etcdKeys(prefix);
  return [...etcd.data.entries()]
    .filter(([key]) => key.startsWith(batches))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([, kv]) => (JSON.parse(kv.value) as { purges: Array<{ record: PurgeRecord }> }).purges.map((p) => p.record));
}

/** How many batch keys the log holds in etcd. */
export function batchKeyCount(etcd: MemoryEtcd, prefix: string): number {
  const { batches } = etcdKeys(prefix);
  return [...etcd.data.keys()].filter((key) => key.startsWith(batches)).length;
}
