/**
 * Applying one purge to the stores: hard purges remove, soft purges make every matching variant
 * stale so it is revalidated before reuse (while stale-if-error still covers it).
 */
import { mark } from '../../common/coverage-marks.js';
import type { PurgeRecord } from '../../common/control-protocol.js';
import { softPurged } from '../policy/reuse.js';
import type { ResponseStore } from '../store/response-store.js';
import { keyForUrl, type KeyNaming } from './purge-keys.js';

/**
 * Applies `record` to `stores` at monotonic time `nowMs` and returns what the purge ledger needs
 * to match later fills: primary keys (url), key prefixes (prefix) or surrogate keys (key).
 */
export function applyPurgeToStores(record: PurgeRecord, stores: readonly ResponseStore[], naming: KeyNaming, nowMs: number): string[] {
  const purge = (store: ResponseStore, key: string) => purgeKey(store, key, record.soft, nowMs);
  switch (record.kind) {
    case 'all':
      for (const store of stores) store.clear();
      return [];
    case 'url': {
      const keys = urlKeys(record.values, naming);
      for (const store of stores) for (const key of keys) purge(store, key);
      return keys;
    }
    case 'prefix': {
      const prefixes = urlKeys(record.values, naming);
      for (const store of stores) {
        // A scan of the store's keys: prefix purges are rare, and the store is bounded.
        const matching = [...store.keys()].filter((key) => prefixes.some((prefix) => key.startsWith(prefix)));
        for (const key of matching) purge(store, key);
      }
      return prefixes;
    }
    case 'key':
      for (const store of stores) for (const tag of record.values) for (const key of store.keysWithSurrogate(tag)) purge(store, key);
      return record.values;
    default:
      throw new Error(`unknown purge kind ${String(record.kind satisfies never)}`);
  }
}

function urlKeys(values: readonly string[], naming: KeyNaming): string[] {
  return values.map((v) => keyForUrl(v, naming)).filter((k): k is string => k !== undefined);
}

function purgeKey(store: ResponseStore, key: string, soft: boolean, nowMs: number): void {
  if (!soft) {
    store.invalidate(key);
    return;
  }
  for (const response of store.variants(key)) {
    mark('soft-purge-applied');
    const stale = softPurged(response, nowMs);
    response.freshUntilMonoMs = stale.freshUntilMonoMs;
    response.staleWhileRevalidateMs = stale.staleWhileRevalidateMs;
  }
}
