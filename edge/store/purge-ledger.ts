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
/**
 * Bytes the recent purges may hold (their values, counted as 2 bytes a character plus 64 per
 * value and per purge): 8 MiB. The count alone let 4,096 purges of 1,000 values of 4 KiB each
 * (the control plane's limits) hold 32 GiB.
 */
export const RECENT_PURGES_MAX_BYTES = 8 * 1024 * 1024;

export interface PurgeLedgerLimits {
  maxPurges: number;
  maxBytes: number;
}

export function purgeMatcherBytes(matcher: PurgeMatcher): number {
  let bytes = 64;
  for (const v of matcher.values) bytes += 64 + 2 * v.length;
  return bytes;
}

export class PurgeLedger {
  private applied = 0;
  private readonly recent: PurgeMatcher[] = [];
  private recentBytes = 0;
  /** Highest seq dropped from `recent` by its bound: fills older than it cannot be checked. */
  private forgottenUpTo = 0;

  constructor(private readonly limits: PurgeLedgerLimits = { maxPurges: RECENT_PURGES_KEPT, maxBytes: RECENT_PURGES_MAX_BYTES }) {}

  /** Purges and bytes held for the race check. */
  held(): { purges: number; bytes: number } {
    return { purges: this.recent.length, bytes: this.recentBytes };
  }

  get appliedSeq(): number {
    return this.applied;
  }

  record(matcher: PurgeMatcher): void {
    this.applied = Math.max(this.applied, matcher.seq);
    this.recent.push(matcher);
    this.recentBytes += purgeMatcherBytes(matcher);
    // Oldest first, by count and by bytes; the newest purge is always kept (its fills are in flight).
    while (this.recent.length > 1 && (this.recent.length > this.limits.maxPurges || this.recentBytes > this.limits.maxBytes)) {
      const dropped = this.recent.shift()!;
      this.recentBytes -= purgeMatcherBytes(dropped);
      this.forgottenUpTo = Math.max(this.forgottenUpTo, dropped.seq);
    }
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
