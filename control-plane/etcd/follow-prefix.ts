/**
 * Reads every key under a prefix, then watches it from the revision of that read, so nothing
 * written in between is missed; when the watch ends (etcd restarted, history compacted, the
 * connection dropped) or the read fails, it starts over after `retryMs`. Shared by the replicas'
 * edge reports and lease records, which both only need "every current value, then every put".
 */
import type { Logger, Timers } from '../../common/ports.js';
import { prefixEnd, type EtcdKv, type KeyValue, type WatchHandle } from './etcd-kv.js';

export interface PrefixFollower {
  /** Stops following; no `onPut` after this. */
  cancel(): void;
}

/** Resolves once the first read was delivered (or failed and a retry is scheduled). */
export async function followPrefix(
  deps: { kv: EtcdKv; timers: Timers; logger: Logger },
  prefix: string,
  retryMs: number,
  onPut: (kv: KeyValue) => void,
): Promise<PrefixFollower> {
  let watch: WatchHandle | undefined;
  let cancelled = false;
  const retry = (): void => {
    if (!cancelled) deps.timers.after(retryMs, () => void follow());
  };
  const follow = async (): Promise<void> => {
    try {
      const current = await deps.kv.range(prefix, { rangeEnd: prefixEnd(prefix) });
      if (cancelled) return;
      for (const kv of current.kvs) onPut(kv);
      watch = deps.kv.watch(
        prefix,
        prefixEnd(prefix),
        current.revision + 1,
        (events) => {
          if (cancelled) return;
          for (const e of events) if (e.type === 'put') onPut(e.kv);
        },
        () => {
          watch = undefined;
          retry();
        },
      );
    } catch (err) {
      deps.logger.log('warn', 'reading shared keys failed; retrying', { prefix, error: (err as Error).message });
      retry();
    }
  };
  await follow();
  return {
    cancel: () => {
      cancelled = true;
      watch?.cancel();
    },
  };
}
