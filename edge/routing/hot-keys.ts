/**
 * Which keys are hot enough to copy on a non-owner (groupcache's hot cache): a per-key request
 * counter over one-second windows, kept for a bounded number of recently seen keys.
 */
import { LRUCache } from 'lru-cache';

interface Window {
  second: number;
  count: number;
}

export class HotKeys {
  private readonly counters: LRUCache<string, Window>;

  constructor(
    private readonly requestsPerSecond: number,
    trackedKeys: number,
  ) {
    this.counters = new LRUCache<string, Window>({ max: trackedKeys });
  }

  /** Counts a request for `key` at `nowMs`; true once the key's rate reaches the threshold. */
  hit(key: string, nowMs: number): boolean {
    const second = Math.floor(nowMs / 1000);
    const window = this.counters.get(key);
    if (window === undefined || window.second !== second) {
      this.counters.set(key, { second, count: 1 });
      return 1 >= this.requestsPerSecond;
    }
    window.count++;
    return window.count >= this.requestsPerSecond;
  }
}
