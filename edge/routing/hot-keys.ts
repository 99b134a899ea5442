import { flatCopy } from '../../common/flat-string.js';

/**
 * Which keys are hot enough to copy on a non-owner (groupcache's hot cache): requests per key
 * counted over the current one-second window. Every window starts empty, so a plain Map does
 * the counting (one lookup per request, no recency list to maintain), and at most
 * `trackedKeys` distinct keys are counted per window: a key first seen after that is not
 * tracked until the next window, which a key hot enough to matter reaches within a second.
 */
export class HotKeys {
  private counts = new Map<string, number>();
  private second = Number.NaN;

  constructor(
    private readonly requestsPerSecond: number,
    private readonly trackedKeys: number,
  ) {}

  /** Counts a request for `key` at `nowMs`; true once the key's rate reaches the threshold. */
  hit(key: string, nowMs: number): boolean {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      // A new Map rather than clear(): clear() keeps the old backing store at its largest size.
      this.counts = new Map();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    // A new key is kept as a copy of its own: it may be a view of the request head it came from,
    // and the window's map lives until the next second with a request.
    if (count > 1) this.counts.set(key, count);
    else if (this.counts.size < this.trackedKeys) this.counts.set(flatCopy(key), count);
    return count >= this.requestsPerSecond;
  }
}
