/**
 * Answers for whole-object GET hits, reused. A hit's answer changes only when the object's Age
 * (and with it the ttl in Cache-Status) ticks over a second, so each object gets one answer that
 * is retimed in place: two header values and the outcome's ttl. The hot path then formats
 * nothing and, over a hot set of many objects, allocates nothing either; rebuilding every
 * object's answer each second made young garbage that lived a second and was promoted.
 *
 * Bounded by what is hot: answers live in a table for the current second and one for the
 * second before; an answer found in the older table moves across, and one not used for a whole
 * second is dropped with it. Callers must write an answer before the next hit can retime it,
 * which the synchronous hit path does.
 */
import { wireHeaders, type StoredResponse } from '../store/stored-response.js';
import type { EdgeResponse } from './types.js';

interface HitAnswer {
  ageSecond: number;
  ttlSeconds: number;
  readonly response: EdgeResponse;
  /** Where the Age and Cache-Status values sit in response.headers. */
  readonly ageAt: number;
  readonly statusAt: number;
}

export class HitAnswers {
  private current = new Map<StoredResponse, HitAnswer>();
  private previous = new Map<StoredResponse, HitAnswer>();
  private second = Number.NaN;

  /** `statusPrefix`: this cache's Cache-Status hit member up to the ttl value (`name; hit; ttl=`). */
  constructor(private readonly statusPrefix: string) {}

  answer(stored: StoredResponse, nowMs: number): EdgeResponse {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.previous = second === this.second + 1 ? this.current : new Map();
      this.current = new Map();
      this.second = second;
    }
    const ageSecond = Math.floor((stored.initialAgeMs + Math.max(0, nowMs - stored.storedAtMonoMs)) / 1000);
    const ttlSeconds = Math.floor((stored.freshUntilMonoMs - nowMs) / 1000);
    let hit = this.current.get(stored);
    if (hit === undefined) {
      hit = this.previous.get(stored) ?? this.create(stored, ageSecond, ttlSeconds);
      this.current.set(stored, hit);
    }
    if (hit.ageSecond !== ageSecond || hit.ttlSeconds !== ttlSeconds) this.retime(hit, ageSecond, ttlSeconds);
    return hit.response;
  }

  private create(stored: StoredResponse, ageSecond: number, ttlSeconds: number): HitAnswer {
    // The same answer serveStored gives a plain GET hit, built without its general branches.
    const headers = wireHeaders(stored, ['age', String(ageSecond), 'cache-status', `${this.statusPrefix}${ttlSeconds}`]);
    return {
      ageSecond,
      ttlSeconds,
      response: { status: stored.status, headers, body: stored.body, outcome: { kind: 'hit', hit: true, ttlSeconds, bytes: stored.body.length } },
      ageAt: headers.length - 3,
      statusAt: headers.length - 1,
    };
  }

  private retime(hit: HitAnswer, ageSecond: number, ttlSeconds: number): void {
    const { headers, outcome } = hit.response;
    if (hit.ageSecond !== ageSecond) headers[hit.ageAt] = String(ageSecond);
    if (hit.ttlSeconds !== ttlSeconds) {
      headers[hit.statusAt] = `${this.statusPrefix}${ttlSeconds}`;
      outcome.ttlSeconds = ttlSeconds;
    }
    hit.ageSecond = ageSecond;
    hit.ttlSeconds = ttlSeconds;
  }
}
