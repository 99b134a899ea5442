/**
 * Answers for whole-object GET hits, reused. A hit's answer changes only when the object's Age
 * (and with it the ttl in Cache-Status) ticks over a second, so each hot object gets one answer
 * that is retimed in place: two header values and the outcome's ttl. The hot path then formats
 * nothing and, over a hot set of many objects, allocates nothing either; rebuilding every
 * object's answer each second made young garbage that lived a second and was promoted.
 *
 * The answer hangs off the stored record (`hitAnswer`), so a hit reaches it with one load rather
 * than a table lookup. Bounded by what is hot: once a second the records holding an answer are
 * swept, and an answer not used in the last whole second is dropped. Callers must write an
 * answer before the next hit can retime it, which the synchronous hit path does.
 */
import { wireHeaders, type StoredResponse } from '../store/stored-response.js';
import type { EdgeResponse } from './types.js';

interface HitAnswer {
  /** Which HitAnswers made it: a record is only ever answered by its own edge's table. */
  readonly owner: HitAnswers;
  ageSecond: number;
  ttlSeconds: number;
  /** The last second a hit used it. */
  usedSecond: number;
  readonly response: EdgeResponse;
  /** Where the Age and Cache-Status values sit in response.headers. */
  readonly ageAt: number;
  readonly statusAt: number;
}

export class HitAnswers {
  /** Records carrying one of our answers, swept once a second. */
  private holders: StoredResponse[] = [];
  private second = Number.NaN;

  /** `statusPrefix`: this cache's Cache-Status hit member up to the ttl value (`name; hit; ttl=`). */
  constructor(private readonly statusPrefix: string) {}

  answer(stored: StoredResponse, nowMs: number): EdgeResponse {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) this.sweep(second);
    const ageSecond = Math.floor((stored.initialAgeMs + Math.max(0, nowMs - stored.storedAtMonoMs)) / 1000);
    const ttlSeconds = Math.floor((stored.freshUntilMonoMs - nowMs) / 1000);
    let hit = stored.hitAnswer as HitAnswer | undefined;
    if (hit === undefined || hit.owner !== this) {
      hit = this.create(stored, ageSecond, ttlSeconds);
      stored.hitAnswer = hit;
      this.holders.push(stored);
    }
    hit.usedSecond = second;
    if (hit.ageSecond !== ageSecond || hit.ttlSeconds !== ttlSeconds) this.retime(hit, ageSecond, ttlSeconds);
    return hit.response;
  }

  /** Drops the answers not used in the last whole second; their records go back to plain. */
  private sweep(second: number): void {
    const kept: StoredResponse[] = [];
    for (const stored of this.holders) {
      const hit = stored.hitAnswer as HitAnswer | undefined;
      if (hit === undefined || hit.owner !== this) continue;
      if (hit.usedSecond >= second - 1) kept.push(stored);
      else stored.hitAnswer = undefined;
    }
    this.holders = kept;
    this.second = second;
  }

  private create(stored: StoredResponse, ageSecond: number, ttlSeconds: number): HitAnswer {
    // The same answer serveStored gives a plain GET hit, built without its general branches.
    const headers = wireHeaders(stored, ['age', String(ageSecond), 'cache-status', `${this.statusPrefix}${ttlSeconds}`]);
    return {
      owner: this,
      ageSecond,
      ttlSeconds,
      usedSecond: Number.NaN,
      // Age and Cache-Status come last and change each second: a server layer keeps only what precedes them.
      response: { status: stored.status, headers, body: stored.body, outcome: { kind: 'hit', hit: true, ttlSeconds, bytes: stored.body.length }, wire: { head: undefined, changingFrom: headers.length - 4 } },
      ageAt: headers.length - 3,
      statusAt: headers.length - 1,
    };
  }

  private retime(hit: HitAnswer, ageSecond: number, ttlSeconds: number): void {
    // Only fields from wire.changingFrom on change here: a kept serialized block stays valid.
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
