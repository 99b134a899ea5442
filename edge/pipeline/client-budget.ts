/**
 * A per-client budget of origin-bound misses: a token bucket per client address (refilled at
 * `perSecond`, holding at most `burst`), so one client sending cache-busting URLs cannot turn the
 * edge into a flood against the origin while everyone else's misses go through. The table of
 * clients is an LRU bounded by `maxClients` (a client forgotten starts again with a full bucket).
 * Time comes in as a parameter (monotonic ms).
 */
import { LRUCache } from 'lru-cache';

export interface ClientBudgetLimits {
  /** Misses a client may send upstream per second, sustained; 0 turns the budget off. */
  perSecond: number;
  /** Misses a client may send at once. */
  burst: number;
  maxClients: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export type BudgetAnswer = { ok: true } | { ok: false; retryAfterSeconds: number };

const OK: BudgetAnswer = { ok: true };

export class ClientMissBudget {
  /**
   * Made on the first client that spends a miss: lru-cache allocates its index arrays for `max`
   * entries up front (100,000 by default: ~7 ms and a few MB per edge start), and an edge whose
   * requests carry no client address (the simulator's, an edge behind a proxy that sends none)
   * never needs it.
   */
  private buckets: LRUCache<string, Bucket> | undefined;

  constructor(readonly limits: ClientBudgetLimits) {}

  /** Spends one miss of `client`'s budget, or says how long until it has one. */
  take(client: string, nowMs: number): BudgetAnswer {
    const { perSecond, burst } = this.limits;
    if (perSecond <= 0) return OK;
    this.buckets ??= new LRUCache<string, Bucket>({ max: this.limits.maxClients });
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      bucket = { tokens: burst, atMs: nowMs };
      this.buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.atMs) / 1000) * perSecond);
      bucket.atMs = nowMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return OK;
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }

  trackedClients(): number {
    return this.buckets?.size ?? 0;
  }
}
