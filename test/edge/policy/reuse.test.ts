import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCacheControl } from '../../../edge/policy/cache-control.js';
import {
  handoffMayServe,
  isFresh,
  leaseAllowsReuse,
  maxStaleAllows,
  requestDemand,
  reuseRules,
  softPurged,
  staleFallbackTrusted,
  staleIfErrorAllows,
  staleWhileRevalidateAllows,
  type ReusableCopy,
} from '../../../edge/policy/reuse.js';

/** A copy stored at t=0 with age 0, fresh until `freshUntilMonoMs`, with the rules of `cc`. */
function copy(cc: string, freshUntilMonoMs: number, staleIfErrorDefaultSeconds = 60): ReusableCopy {
  return { storedAtMonoMs: 0, initialAgeMs: 0, freshUntilMonoMs, ...reuseRules(parseCacheControl(cc), staleIfErrorDefaultSeconds) };
}

const ruleRows: Array<{ why: string; cc: string; expected: ReturnType<typeof reuseRules> }> = [
  { why: 'RFC 9111 §4.2.4: nothing forbids stale reuse, so the default stale-if-error grant applies', cc: 'max-age=60', expected: { noCache: false, mustRevalidate: false, staleWhileRevalidateMs: 0, staleIfErrorMs: 60_000 } },
  { why: 'RFC 5861 §3, §4: explicit stale-while-revalidate and stale-if-error grants', cc: 'max-age=60, stale-while-revalidate=30, stale-if-error=5', expected: { noCache: false, mustRevalidate: false, staleWhileRevalidateMs: 30_000, staleIfErrorMs: 5_000 } },
  { why: 'RFC 9111 §5.2.2.2: must-revalidate forbids every stale grant', cc: 'max-age=60, must-revalidate, stale-while-revalidate=30, stale-if-error=5', expected: { noCache: false, mustRevalidate: true, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 } },
  { why: 'RFC 9111 §5.2.2.8: proxy-revalidate is must-revalidate for a shared cache', cc: 'max-age=60, proxy-revalidate, stale-if-error=5', expected: { noCache: false, mustRevalidate: true, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 } },
  { why: 'RFC 9111 §5.2.2.4: response no-cache: every reuse validates, no stale grants', cc: 'no-cache, stale-if-error=5', expected: { noCache: true, mustRevalidate: true, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 } },
  { why: 'RFC 9111 §5.2.2.10: s-maxage implies proxy-revalidate: no default stale-if-error', cc: 's-maxage=60', expected: { noCache: false, mustRevalidate: true, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 } },
  { why: 'RFC 9111 §5.2.2.10 with RFC 5861 §4: an explicit stale-if-error beside s-maxage still applies', cc: 's-maxage=60, stale-if-error=5, stale-while-revalidate=7', expected: { noCache: false, mustRevalidate: true, staleWhileRevalidateMs: 7_000, staleIfErrorMs: 5_000 } },
];

for (const row of ruleRows) {
  test(`reuseRules: ${row.why}`, () => {
    assert.equal({ ...reuseRules(parseCacheControl(row.cc), 60) }, row.expected);
  });
}

/** One row per decision: the copy's directives, its fresh-until, the request's directives, the time and the answers. */
const judgementRows: Array<{
  why: string;
  cc: string;
  freshUntil: number;
  request?: string;
  nowMs: number;
  fresh: boolean;
  demand?: string;
  maxStale: boolean;
  swr: boolean;
  sie: boolean;
}> = [
  { why: 'RFC 9111 §4.2: fresh while now is before the end of the lifetime', cc: 'max-age=60', freshUntil: 60_000, nowMs: 59_999, fresh: true, maxStale: false, swr: true, sie: true },
  { why: 'RFC 9111 §4.2: stale at the instant the lifetime ends', cc: 'max-age=60', freshUntil: 60_000, nowMs: 60_000, fresh: false, maxStale: false, swr: false, sie: true },
  { why: 'RFC 9111 §5.2.2.4: a no-cache response is never fresh for reuse', cc: 'no-cache, max-age=60', freshUntil: 60_000, nowMs: 0, fresh: false, maxStale: false, swr: false, sie: false },
  { why: 'RFC 9111 §5.2.1.1: request max-age=10 at age 11 s demands validation', cc: 'max-age=60', freshUntil: 60_000, request: 'max-age=10', nowMs: 11_000, fresh: true, demand: 'max-age', maxStale: false, swr: true, sie: true },
  { why: 'RFC 9111 §5.2.1.1: request max-age=10 at age 10 s is acceptable', cc: 'max-age=60', freshUntil: 60_000, request: 'max-age=10', nowMs: 10_000, fresh: true, maxStale: false, swr: true, sie: true },
  { why: 'RFC 9111 §5.2.1.3: min-fresh=30 with 20 s left demands validation', cc: 'max-age=60', freshUntil: 60_000, request: 'min-fresh=30', nowMs: 40_000, fresh: true, demand: 'min-fresh', maxStale: false, swr: true, sie: true },
  { why: 'RFC 9111 §5.2.1.4: request no-cache demands validation of a fresh copy', cc: 'max-age=60', freshUntil: 60_000, request: 'no-cache', nowMs: 0, fresh: true, demand: 'no-cache', maxStale: false, swr: true, sie: true },
  { why: 'RFC 9111 §5.2.1.2: max-stale=10 accepts a copy 10 s stale', cc: 'max-age=60', freshUntil: 60_000, request: 'max-stale=10', nowMs: 70_000, fresh: false, maxStale: true, swr: false, sie: true },
  { why: 'RFC 9111 §5.2.1.2: max-stale=10 refuses a copy 10.001 s stale', cc: 'max-age=60', freshUntil: 60_000, request: 'max-stale=10', nowMs: 70_001, fresh: false, maxStale: false, swr: false, sie: true },
  { why: 'RFC 9111 §5.2.2.2: must-revalidate overrides the client\'s max-stale', cc: 'max-age=60, must-revalidate', freshUntil: 60_000, request: 'max-stale=100', nowMs: 61_000, fresh: false, maxStale: false, swr: false, sie: false },
  { why: 'RFC 9111 §5.2.2.10: s-maxage overrides the client\'s max-stale too', cc: 's-maxage=60', freshUntil: 60_000, request: 'max-stale=100', nowMs: 61_000, fresh: false, maxStale: false, swr: false, sie: false },
  { why: 'RFC 5861 §3: inside the stale-while-revalidate window', cc: 'max-age=60, stale-while-revalidate=30', freshUntil: 60_000, nowMs: 89_999, fresh: false, maxStale: false, swr: true, sie: true },
  { why: 'RFC 5861 §3: past the stale-while-revalidate window', cc: 'max-age=60, stale-while-revalidate=30', freshUntil: 60_000, nowMs: 90_000, fresh: false, maxStale: false, swr: false, sie: true },
  { why: 'RFC 5861 §4: inside the stale-if-error window', cc: 'max-age=60, stale-if-error=10', freshUntil: 60_000, nowMs: 69_999, fresh: false, maxStale: false, swr: false, sie: true },
  { why: 'RFC 5861 §4: past the stale-if-error window', cc: 'max-age=60, stale-if-error=10', freshUntil: 60_000, nowMs: 70_000, fresh: false, maxStale: false, swr: false, sie: false },
  { why: 'RFC 9111 §4.2.4: the default stale-if-error grant ends after its 60 s', cc: 'max-age=60', freshUntil: 60_000, nowMs: 120_000, fresh: false, maxStale: false, swr: false, sie: false },
];

for (const row of judgementRows) {
  test(`judging a copy: ${row.why}`, () => {
    const c = copy(row.cc, row.freshUntil);
    const rd = row.request === undefined ? undefined : parseCacheControl(row.request);
    assert.is(isFresh(c, row.nowMs), row.fresh, 'isFresh');
    assert.is(requestDemand(rd, c, row.nowMs), row.demand, 'requestDemand');
    assert.is(maxStaleAllows(rd, c, row.nowMs), row.maxStale, 'maxStaleAllows');
    assert.is(staleWhileRevalidateAllows(c, row.nowMs), row.swr, 'staleWhileRevalidateAllows');
    assert.is(staleIfErrorAllows(c, row.nowMs), row.sie, 'staleIfErrorAllows');
  });
}

test('soft purge: a fresh copy becomes stale now and loses stale-while-revalidate, keeps stale-if-error', () => {
  const c = copy('max-age=60, stale-while-revalidate=30, stale-if-error=30', 60_000);
  const purged = { ...c, ...softPurged(c, 10_000.7) };
  assert.is(purged.freshUntilMonoMs, 9_999);
  assert.is(isFresh(purged, 10_000), false);
  assert.is(staleWhileRevalidateAllows(purged, 10_000), false);
  assert.is(staleIfErrorAllows(purged, 10_000), true);
});

test('soft purge: never makes a copy fresher than it was', () => {
  const c = copy('max-age=60', 5_000);
  assert.is(softPurged(c, 10_000).freshUntilMonoMs, 5_000);
});

const leaseRows: Array<{ why: string; untilMs: number; nowMs: number; expected: boolean }> = [
  { why: 'before the first grant: no reuse without validation', untilMs: -Infinity, nowMs: 0, expected: false },
  { why: 'inside the granted lease', untilMs: 10_000, nowMs: 9_999, expected: true },
  { why: 'at the instant the lease runs out', untilMs: 10_000, nowMs: 10_000, expected: false },
];

for (const row of leaseRows) {
  test(`lease: ${row.why}`, () => {
    assert.is(leaseAllowsReuse(row.untilMs, row.nowMs), row.expected);
  });
}

test('stale fallback: needs the lease at the start (or the operator\'s permission) and no purge since', () => {
  assert.is(staleFallbackTrusted(true, false, false), true);
  assert.is(staleFallbackTrusted(false, false, false), false, 'no lease when the request began');
  assert.is(staleFallbackTrusted(false, true, false), true, 'lease.expiredServeStale');
  assert.is(staleFallbackTrusted(true, true, true), false, 'a purge for this copy landed meanwhile');
});

test('handoff: only a fresh copy under a valid lease', () => {
  const c = copy('max-age=60', 60_000);
  assert.is(handoffMayServe(c, 0, true), true);
  assert.is(handoffMayServe(c, 0, false), false, 'lease lapsed');
  assert.is(handoffMayServe(c, 60_000, true), false, 'stale');
  assert.is(handoffMayServe(copy('no-cache', 60_000), 0, true), false, 'no-cache');
});

test.run();
