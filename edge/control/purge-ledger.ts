/**
 * What this edge knows about purges: the highest sequence applied, and the recent purges
 * themselves, so a fill that was in flight when a purge landed can ask "was I purged meanwhile?"
 * before it stores (the purge/fill race).
 */
import type { PurgeKind } from '../../common/control-protocol.js';

/** A purge reduced to what matching needs: primary keys, key prefixes or surrogate keys. */
export interface PurgeMatcher {
  seq: number;
  kind: PurgeKind;
  /** url: primary keys; prefix: primary-key prefixes; key: surrogate keys; all: unused. */
  values: readonly string[];
}

/** Recent purges kept for the race check; a fill older than all of them is refused storage. */
export const RECENT_PURGES_KEPT = 4096;

export class PurgeLedger {
  private applied = 0;
  private readonly recent: PurgeMatcher[] = [];
  /** Highest seq dropped from `recent` by its bound: fills older than it cannot be checked. */
  private forgottenUpTo = 0;

  get appliedSeq(): number {
    return this.applied;
  }

  record(matcher: PurgeMatcher): void {
    this.applied = Math.max(this.applied, matcher.seq);
    this.recent.push(matcher);
    if (this.recent.length > RECENT_PURGES_KEPT) this.forgottenUpTo = this.recent.shift()!.seq;
  }

  /**
   * After a flush: everything up to `seq` is gone from the cache, whatever it was. `seq` may be
   * lower than what was applied (a new log after a restore: `log-changed`, `ahead-of-log`); the
   * purges that follow are numbered after it, so the applied seq moves back to it.
   */
  flushed(seq: number): void {
    this.applied = seq;
    this.recent.length = 0;
    this.forgottenUpTo = 0;
    this.record({ seq, kind: 'all', values: [] });
  }

  /** True when a purge applied after `sinceSeq` matches this key or any of its surrogate keys. */
  purgedSince(sinceSeq: number, key: string, surrogateKeys: readonly string[]): boolean {
    // Started before a flush that moved the applied seq back: the flush dropped everything since.
    if (sinceSeq > this.applied) return true;
    if (this.applied === sinceSeq) return false;
    if (sinceSeq < this.forgottenUpTo) return true; // purges since then were forgotten: assume the worst
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const p = this.recent[i]!;
      if (p.seq <= sinceSeq) break;
      if (matches(p, key, surrogateKeys)) return true;
    }
    return false;
  }
}

export function matches(p: PurgeMatcher, key: string, surrogateKeys: readonly string[]): boolean {
  switch (p.kind) {
    case 'all':
      return true;
    case 'url':
      return p.values.includes(key);
    case 'prefix':
      return p.values.some((prefix) => key.startsWith(prefix));
    case 'key':
      return surrogateKeys.some((k) => p.values.includes(k));
    default:
      throw new Error(`unknown purge kind ${String(p.kind satisfies never)}`);
  }
}
