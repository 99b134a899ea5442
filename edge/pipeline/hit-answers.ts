/**
 * Answers for whole-object GET hits, reused. A hit's answer changes only when the object's Age
 * (and with it the ttl in Cache-Status) ticks over a second, so each hot object gets one answer
 * that is retimed in place: two header values and the outcome's ttl. The hot path then formats
 * nothing and, over a hot set of many objects, allocates nothing either; rebuilding every
 * object's answer each second made young garbage that lived a second and was promoted.
 *
 * The answer hangs off the stored record (`hitAnswer`), so a hit reaches it with one load rather
 * than a table lookup. Bounded by what is hot: once a second the records holding an answer are
 * swept, and an answer used in neither of the last two seconds that had hits is dropped. Callers must write an
 * answer before the next hit can retime it, which the synchronous hit path does.
 *
 * Only an object hit again within about a second of an earlier hit gets a kept answer: the first
 * hit marks the record (`hitAnswer` holds a per-second mark shared by every record, so marking
 * allocates nothing) and is answered with an answer that is not kept. Over a hot set hit less
 * often than once a second per object, keeping every answer made one that was dropped unused a
 * second later: each lived long enough to be promoted, and the old generation filled with them
 * (a heap sampling profile under wrk showed this as the largest survivor). Unkept answers die young.
 */
import { wireHeaders, type StoredResponse } from '../store/stored-response.js';
import { NumberTexts } from './number-texts.js';
import type { EdgeResponse } from './types.js';

/** A record hit once in `second` by `owner` and not yet given a kept answer. */
interface SeenMark {
  readonly kind: 'seen';
  readonly owner: HitAnswers;
  readonly second: number;
}

interface HitAnswer {
  readonly kind: 'answer';
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
  /**
   * Records carrying one of our answers, `holders[0, holderCount)`, swept once a second into
   * `spareHolders`; the two arrays swap. A new array per sweep held ~10,000 records for a second,
   * long enough to be promoted: ~80 KB of old-generation garbage a second on a 10,000-object hot set.
   */
  private holders: Array<StoredResponse | undefined> = [];
  private holderCount = 0;
  private spareHolders: Array<StoredResponse | undefined> = [];
  /** The last second that had hits (the last sweep's), and the one with hits before it. */
  private second = Number.NEGATIVE_INFINITY;
  private busySecondBefore = Number.NEGATIVE_INFINITY;
  /** The mark of the current second, and of the one before (a hit then still counts as recent). */
  private seen: SeenMark | undefined;
  private seenBefore: SeenMark | undefined;
  /** Age values and Cache-Status members, reused across retimes (number-texts.ts says why). */
  private readonly ageTexts = new NumberTexts('');
  private readonly statusTexts: NumberTexts;

  /** `statusPrefix`: this cache's Cache-Status hit member up to the ttl value (`name; hit; ttl=`). */
  constructor(statusPrefix: string) {
    this.statusTexts = new NumberTexts(statusPrefix);
  }

  answer(stored: StoredResponse, nowMs: number): EdgeResponse {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) this.sweep(second);
    const ageSecond = Math.floor((stored.initialAgeMs + Math.max(0, nowMs - stored.storedAtMonoMs)) / 1000);
    const ttlSeconds = Math.floor((stored.freshUntilMonoMs - nowMs) / 1000);
    let hit = stored.hitAnswer as HitAnswer | SeenMark | undefined;
    if (hit === undefined || hit.owner !== this || hit.kind === 'seen') {
      if (hit === undefined || (hit !== this.seen && hit !== this.seenBefore)) {
        // First hit in a while: remember it, answer without keeping.
        stored.hitAnswer = this.seen;
        return this.create(stored, ageSecond, ttlSeconds, false).response;
      }
      hit = this.create(stored, ageSecond, ttlSeconds, true);
      stored.hitAnswer = hit;
      this.holders[this.holderCount++] = stored;
    }
    hit.usedSecond = second;
    if (hit.ageSecond !== ageSecond || hit.ttlSeconds !== ttlSeconds) this.retime(hit, ageSecond, ttlSeconds);
    return hit.response;
  }

  /**
   * Drops the answers used in neither of the last two seconds that had hits (the last two sweeps'
   * seconds: under steady load the two seconds just before); their records go back to plain.
   *
   * A lull with no hits at all keeps them: the sweep runs only when hits come, so an idle edge
   * held them anyway, and dropping them all on its first hit afterwards made the edge rebuild a
   * whole hot set at once just as load returned. Those answers (and the serialized blocks the HTTP
   * layer keeps on them) survived their first scavenges: after each idle gap between bench rounds,
   * scavenges took 3-16 ms for about a second, against 0.5 ms in steady state (`--trace-gc` of
   * the edge, 10,000-object hot set). Two busy seconds, not one: load that stops a few ms into a
   * second leaves that second with a few hits, and judging by it alone dropped most of the hot set
   * all the same (the browser case still had such bursts with one).
   */
  private sweep(second: number): void {
    const keepFrom = this.busySecondBefore;
    // Marks of earlier seconds are simply not recognised any more: nothing walks the marked records.
    this.seenBefore = this.seen?.second === second - 1 ? this.seen : undefined;
    this.seen = { kind: 'seen', owner: this, second };
    const kept = this.spareHolders;
    let keptCount = 0;
    for (let i = 0; i < this.holderCount; i++) {
      const stored = this.holders[i]!;
      this.holders[i] = undefined; // this array becomes the spare: it must hold no record
      const hit = stored.hitAnswer as HitAnswer | SeenMark | undefined;
      if (hit === undefined || hit.owner !== this || hit.kind !== 'answer') continue;
      if (hit.usedSecond >= keepFrom) kept[keptCount++] = stored;
      else stored.hitAnswer = undefined;
    }
    // A hot set that shrank for good does not keep the arrays at its old size.
    this.spareHolders = this.holders.length > 4 * keptCount + 1024 ? [] : this.holders;
    this.holders = kept;
    this.holderCount = keptCount;
    this.busySecondBefore = this.second;
    this.second = second;
  }

  /** `kept`: the answer will be reused, so it offers server layers a place for their serialized block (`wire`). */
  private create(stored: StoredResponse, ageSecond: number, ttlSeconds: number, kept: boolean): HitAnswer {
    // The same answer serveStored gives a plain GET hit, built without its general branches.
    const headers = wireHeaders(stored, ['age', this.ageTexts.text(ageSecond), 'cache-status', this.statusTexts.text(ttlSeconds)]);
    return {
      kind: 'answer',
      owner: this,
      ageSecond,
      ttlSeconds,
      usedSecond: Number.NaN,
      // Age and Cache-Status come last and change each second: a server layer keeps only what precedes them.
      response: { status: stored.status, headers, body: stored.body, outcome: { kind: 'hit', hit: true, ttlSeconds, bytes: stored.body.length }, wire: kept ? { head: undefined, changingFrom: headers.length - 4 } : undefined },
      ageAt: headers.length - 3,
      statusAt: headers.length - 1,
    };
  }

  private retime(hit: HitAnswer, ageSecond: number, ttlSeconds: number): void {
    // Only fields from wire.changingFrom on change here: a kept serialized block stays valid.
    const { headers, outcome } = hit.response;
    if (hit.ageSecond !== ageSecond) headers[hit.ageAt] = this.ageTexts.text(ageSecond);
    if (hit.ttlSeconds !== ttlSeconds) {
      headers[hit.statusAt] = this.statusTexts.text(ttlSeconds);
      outcome.ttlSeconds = ttlSeconds;
    }
    hit.ageSecond = ageSecond;
    hit.ttlSeconds = ttlSeconds;
  }
}
