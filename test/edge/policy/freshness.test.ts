import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../../common/http.js';
import {
  HEURISTICALLY_CACHEABLE,
  correctedInitialAgeMs,
  currentAgeMs,
  effectiveDirectives,
  freshnessLifetime,
  parseAgeSeconds,
  type HeuristicOptions,
  type Lifetime,
} from '../../../edge/policy/freshness.js';
import { formatHttpDate } from '../../../common/http-semantics/http-date.js';

const T = Date.UTC(2024, 0, 1, 12, 0, 0);
/** An HTTP-date `seconds` away from T. */
const at = (seconds: number): string => formatHttpDate(T + seconds * 1000);
const HEURISTIC: HeuristicOptions = { fraction: 0.1, maxSeconds: 86_400 };

interface LifetimeRow {
  why: string;
  status?: number;
  headers: HeaderList;
  responseTimeMs?: number;
  expected: Lifetime;
}

const lifetimeRows: LifetimeRow[] = [
  // §4.2.1 precedence.
  { why: 'RFC 9111 §4.2.1: s-maxage after max-age wins (max-age=1, s-maxage=3600)', headers: [['cache-control', 'max-age=1, s-maxage=3600']], expected: { lifetimeMs: 3_600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: s-maxage before max-age wins (s-maxage=3600, max-age=1)', headers: [['cache-control', 's-maxage=3600, max-age=1']], expected: { lifetimeMs: 3_600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: s-maxage wins on a separate Cache-Control line', headers: [['cache-control', 'max-age=1'], ['cache-control', 's-maxage=3600']], expected: { lifetimeMs: 3_600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: s-maxage wins on an earlier separate line', headers: [['cache-control', 's-maxage=3600'], ['cache-control', 'max-age=1']], expected: { lifetimeMs: 3_600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: a shorter s-maxage still wins (s-maxage=1, max-age=3600)', headers: [['cache-control', 's-maxage=1, max-age=3600']], expected: { lifetimeMs: 1_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: s-maxage=0 beats max-age=3600', headers: [['cache-control', 'max-age=3600, s-maxage=0']], expected: { lifetimeMs: 0, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: max-age=3600 beats a past Expires', headers: [['date', at(0)], ['cache-control', 'max-age=3600'], ['expires', at(-3600)]], expected: { lifetimeMs: 3_600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: max-age=3600 beats Expires: 0', headers: [['date', at(0)], ['cache-control', 'max-age=3600'], ['expires', '0']], expected: { lifetimeMs: 3_600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: max-age=0 beats a future Expires', headers: [['date', at(0)], ['cache-control', 'max-age=0'], ['expires', at(3600)]], expected: { lifetimeMs: 0, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: invalid max-age (single quotes) beats Expires and is stale', headers: [['date', at(0)], ['cache-control', "max-age='3600'"], ['expires', at(3600)]], expected: { lifetimeMs: 0, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: max-age beats Last-Modified heuristics', headers: [['date', at(0)], ['cache-control', 'max-age=5'], ['last-modified', at(-100_000)]], expected: { lifetimeMs: 5_000, heuristic: false } },
  // Expires (§5.3).
  { why: 'RFC 9111 §4.2.1: lifetime is Expires minus Date', headers: [['date', at(0)], ['expires', at(3600)]], expected: { lifetimeMs: 3_600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: Expires minus Date ignores when the response arrived', headers: [['date', at(-600)], ['expires', at(3000)]], responseTimeMs: T, expected: { lifetimeMs: 3_600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: without Date, Expires is measured from the response time', headers: [['expires', at(600)]], responseTimeMs: T, expected: { lifetimeMs: 600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: an invalid Date counts as the response time', headers: [['date', 'yesterday'], ['expires', at(600)]], responseTimeMs: T, expected: { lifetimeMs: 600_000, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: Expires equal to Date gives lifetime 0', headers: [['date', at(0)], ['expires', at(0)]], expected: { lifetimeMs: 0, heuristic: false } },
  { why: 'RFC 9111 §4.2.1: Expires before Date gives lifetime 0', headers: [['date', at(0)], ['expires', at(-60)]], expected: { lifetimeMs: 0, heuristic: false } },
  { why: 'RFC 9111 §5.3: Expires: 0 is invalid, already expired', headers: [['date', at(0)], ['expires', '0']], expected: { lifetimeMs: 0, heuristic: false } },
  { why: 'RFC 9111 §5.3: Expires in UTC is invalid, already expired', headers: [['date', at(0)], ['expires', 'Thu, 18 Aug 2050 02:01:18 UTC']], expected: { lifetimeMs: 0, heuristic: false } },
  { why: 'RFC 9111 §5.3: Expires in the RFC 850 form is valid', headers: [['date', 'Thursday, 18-Aug-50 02:00:18 GMT'], ['expires', 'Thursday, 18-Aug-50 02:01:18 GMT']], expected: { lifetimeMs: 60_000, heuristic: false } },
  { why: 'RFC 9111 §5.3: Expires in asctime form is valid', headers: [['date', 'Thu Aug 18 02:00:18 2050'], ['expires', 'Thu Aug 18 02:01:18 2050']], expected: { lifetimeMs: 60_000, heuristic: false } },
  { why: 'RFC 9111 §5.3: two Expires lines are invalid, already expired', headers: [['date', at(0)], ['expires', at(3600)], ['expires', at(3600)]], expected: { lifetimeMs: 0, heuristic: false } },
  { why: 'RFC 9111 §4.2.2: no heuristic when an invalid Expires is present', headers: [['date', at(0)], ['expires', '0'], ['last-modified', at(-100_000)]], expected: { lifetimeMs: 0, heuristic: false } },
  { why: 'RFC 9111 §4.2.2: no heuristic when a past Expires is present', headers: [['date', at(0)], ['expires', at(-1)], ['last-modified', at(-100_000)]], expected: { lifetimeMs: 0, heuristic: false } },
  // CDN-Cache-Control (RFC 9213 §2.1).
  { why: 'RFC 9213 §2.1: CDN-Cache-Control max-age beats Cache-Control max-age', headers: [['cache-control', 'max-age=3600'], ['cdn-cache-control', 'max-age=60']], expected: { lifetimeMs: 60_000, heuristic: false } },
  { why: 'RFC 9213 §2.1: CDN-Cache-Control max-age beats Cache-Control s-maxage', headers: [['cache-control', 's-maxage=3600'], ['cdn-cache-control', 'max-age=60']], expected: { lifetimeMs: 60_000, heuristic: false } },
  { why: 'RFC 9213 §2.1: Expires is ignored when CDN-Cache-Control decides (heuristic instead)', headers: [['date', at(0)], ['cdn-cache-control', 'public'], ['expires', at(3600)], ['last-modified', at(-10_000)]], expected: { lifetimeMs: 1_000_000, heuristic: true } },
  { why: 'RFC 9213 §2.1: an invalid Expires is ignored when CDN-Cache-Control decides', headers: [['date', at(0)], ['cdn-cache-control', 'must-revalidate'], ['expires', '0'], ['last-modified', at(-10_000)]], expected: { lifetimeMs: 1_000_000, heuristic: true } },
  { why: 'RFC 9213 §2.1: invalid CDN-Cache-Control falls back to Cache-Control max-age', headers: [['cache-control', 'max-age=30'], ['cdn-cache-control', 'max-age="10000"']], expected: { lifetimeMs: 30_000, heuristic: false } },
  { why: 'RFC 9213 §2.1: invalid CDN-Cache-Control falls back to Expires', headers: [['date', at(0)], ['expires', at(20)], ['cdn-cache-control', 'max-age=10000, &&&&&']], expected: { lifetimeMs: 20_000, heuristic: false } },
  // Heuristics (§4.2.2).
  { why: 'RFC 9111 §4.2.2: 200 with Last-Modified gets 10% of Date - Last-Modified', headers: [['date', at(0)], ['last-modified', at(-100_000)]], expected: { lifetimeMs: 10_000_000, heuristic: true } },
  { why: 'RFC 9111 §4.2.2: heuristic lifetime is rounded down to whole milliseconds', headers: [['date', at(0)], ['last-modified', at(-15)]], expected: { lifetimeMs: 1_500, heuristic: true } },
  { why: 'RFC 9111 §4.2.2: heuristic lifetime is capped at maxSeconds', headers: [['date', at(0)], ['last-modified', at(-10_000_000)]], expected: { lifetimeMs: 86_400_000, heuristic: true } },
  { why: 'RFC 9111 §4.2.2: without Date, heuristics measure from the response time', headers: [['last-modified', at(-1_000)]], responseTimeMs: T, expected: { lifetimeMs: 100_000, heuristic: true } },
  { why: 'RFC 9111 §4.2.2: Last-Modified after Date gives 0', headers: [['date', at(0)], ['last-modified', at(10)]], expected: { lifetimeMs: 0, heuristic: true } },
  { why: 'RFC 9111 §4.2.2: Last-Modified equal to Date gives 0', headers: [['date', at(0)], ['last-modified', at(0)]], expected: { lifetimeMs: 0, heuristic: true } },
  { why: 'RFC 9111 §4.2.2: invalid Last-Modified gives 0', headers: [['date', at(0)], ['last-modified', 'last tuesday']], expected: { lifetimeMs: 0, heuristic: true } },
  { why: 'RFC 9111 §4.2.2: no freshness information at all gives 0', headers: [['date', at(0)]], expected: { lifetimeMs: 0, heuristic: true } },
  { why: 'RFC 9111 §4.2.2: public lets a non-heuristic status (599) use heuristics', status: 599, headers: [['date', at(0)], ['cache-control', 'public'], ['last-modified', at(-100_000)]], expected: { lifetimeMs: 10_000_000, heuristic: true } },
];

for (const status of [...HEURISTICALLY_CACHEABLE].sort((a, b) => a - b)) {
  lifetimeRows.push({
    why: `RFC 9111 §4.2.2 + RFC 9110 §15.1: ${status} is heuristically cacheable`,
    status,
    headers: [['date', at(0)], ['last-modified', at(-100_000)]],
    expected: { lifetimeMs: 10_000_000, heuristic: true },
  });
}
for (const status of [201, 202, 302, 303, 307, 403, 500, 502, 503, 504, 599]) {
  lifetimeRows.push({
    why: `RFC 9111 §4.2.2: ${status} with only Last-Modified gets no heuristic lifetime`,
    status,
    headers: [['date', at(0)], ['last-modified', at(-100_000)]],
    expected: { lifetimeMs: 0, heuristic: false },
  });
}

for (const row of lifetimeRows) {
  test(row.why, () => {
    const actual = freshnessLifetime(row.status ?? 200, row.headers, effectiveDirectives(row.headers), row.responseTimeMs ?? T, HEURISTIC);
    assert.equal(actual, row.expected);
  });
}

test('RFC 9110 §15.1: the heuristically cacheable set is exactly the listed statuses', () => {
  assert.equal([...HEURISTICALLY_CACHEABLE].sort((a, b) => a - b), [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);
});

// Age (§5.1).
const ageRows: Array<{ why: string; headers: HeaderList; expected: number }> = [
  { why: 'RFC 9111 §5.1: no Age field is 0', headers: [], expected: 0 },
  { why: 'RFC 9111 §5.1: Age 7200', headers: [['age', '7200']], expected: 7200 },
  { why: 'RFC 9111 §5.1: Age with surrounding whitespace', headers: [['age', ' 60 ']], expected: 60 },
  { why: 'RFC 9111 §5.1: Age 7200, 0 on one line: first value wins', headers: [['age', '7200, 0']], expected: 7200 },
  { why: 'RFC 9111 §5.1: Age 0, 7200 on one line: first value wins', headers: [['age', '0, 7200']], expected: 0 },
  { why: 'RFC 9111 §5.1: Age 7200 then 0 on separate lines: first wins', headers: [['age', '7200'], ['age', '0']], expected: 7200 },
  { why: 'RFC 9111 §5.1: Age 0 then 7200 on separate lines: first wins', headers: [['age', '0'], ['age', '7200']], expected: 0 },
  { why: 'RFC 9111 §5.1: Age abc is invalid → 0', headers: [['age', 'abc']], expected: 0 },
  { why: 'RFC 9111 §5.1: Age -7200 is invalid → 0', headers: [['age', '-7200']], expected: 0 },
  { why: 'RFC 9111 §5.1: Age 7200.0 is invalid → 0', headers: [['age', '7200.0']], expected: 0 },
  { why: 'RFC 9111 §5.1: empty Age is invalid → 0', headers: [['age', '']], expected: 0 },
  { why: 'RFC 9111 §1.2.2: huge Age clamps to 2147483648', headers: [['age', '99999999999999']], expected: 2147483648 },
];

for (const row of ageRows) {
  test(row.why, () => {
    assert.is(parseAgeSeconds(row.headers), row.expected);
  });
}

// corrected_initial_age (§4.2.3).
const initialAgeRows: Array<{ why: string; headers: HeaderList; requestTimeMs: number; responseTimeMs: number; expected: number }> = [
  { why: 'RFC 9111 §4.2.3: no Date, no Age, no delay → 0', headers: [], requestTimeMs: T, responseTimeMs: T, expected: 0 },
  { why: 'RFC 9111 §4.2.3: response delay counts as age', headers: [], requestTimeMs: T - 2_000, responseTimeMs: T, expected: 2_000 },
  { why: 'RFC 9111 §4.2.3: Date in the past gives apparent age', headers: [['date', at(-10)]], requestTimeMs: T, responseTimeMs: T, expected: 10_000 },
  { why: 'RFC 9111 §4.2.3: apparent age beats a smaller Age plus delay', headers: [['date', at(-300)], ['age', '100']], requestTimeMs: T - 1_000, responseTimeMs: T, expected: 300_000 },
  { why: 'RFC 9111 §4.2.3: Age plus delay beats a smaller apparent age', headers: [['date', at(-100)], ['age', '300']], requestTimeMs: T - 2_000, responseTimeMs: T, expected: 302_000 },
  { why: 'RFC 9111 §4.2.3: Date in the future gives apparent age 0', headers: [['date', at(3_600)]], requestTimeMs: T, responseTimeMs: T, expected: 0 },
  { why: 'RFC 9111 §4.2.3: Date in the future with Age 30 and a 1 s delay', headers: [['date', at(3_600)], ['age', '30']], requestTimeMs: T - 1_000, responseTimeMs: T, expected: 31_000 },
  { why: 'RFC 9111 §4.2.3: Age 100 with Date equal to the response time', headers: [['date', at(0)], ['age', '100']], requestTimeMs: T, responseTimeMs: T, expected: 100_000 },
  { why: 'RFC 9111 §4.2.3: an invalid Date is ignored; delay only', headers: [['date', '0']], requestTimeMs: T - 500, responseTimeMs: T, expected: 500 },
  { why: 'RFC 9111 §4.2.3: invalid Age is ignored; apparent age only', headers: [['date', at(-5)], ['age', '-7200']], requestTimeMs: T, responseTimeMs: T, expected: 5_000 },
  { why: 'RFC 9111 §4.2.3: duplicate Age lines, the first (7200) counts', headers: [['age', '7200'], ['age', '0']], requestTimeMs: T, responseTimeMs: T, expected: 7_200_000 },
  { why: 'RFC 9111 §1.2.2: huge Age is clamped before adding the delay', headers: [['age', '99999999999']], requestTimeMs: T - 1, responseTimeMs: T, expected: 2_147_483_648_000 + 1 },
  { why: 'RFC 9111 §4.2.3: a response time before the request time counts no delay', headers: [['age', '10']], requestTimeMs: T, responseTimeMs: T - 5_000, expected: 10_000 },
];

for (const row of initialAgeRows) {
  test(row.why, () => {
    assert.is(correctedInitialAgeMs(row.headers, row.requestTimeMs, row.responseTimeMs), row.expected);
  });
}

// current_age (§4.2.3).
const currentAgeRows: Array<{ why: string; initialAgeMs: number; responseTimeMs: number; nowMs: number; expected: number }> = [
  { why: 'RFC 9111 §4.2.3: current age at the response time is the initial age', initialAgeMs: 5_000, responseTimeMs: T, nowMs: T, expected: 5_000 },
  { why: 'RFC 9111 §4.2.3: resident time adds to the initial age', initialAgeMs: 5_000, responseTimeMs: T, nowMs: T + 60_000, expected: 65_000 },
  { why: 'RFC 9111 §4.2.3: a wall clock that went back never lowers the age', initialAgeMs: 5_000, responseTimeMs: T, nowMs: T - 3_600_000, expected: 5_000 },
];

for (const row of currentAgeRows) {
  test(row.why, () => {
    assert.is(currentAgeMs(row.initialAgeMs, row.responseTimeMs, row.nowMs), row.expected);
  });
}

test('RFC 9111 §4.2.3: current age is monotonic while the wall clock goes back and forth', () => {
  const samples = [T + 10_000, T + 5_000, T - 1_000, T + 20_000].map((now) => currentAgeMs(1_000, T, now));
  assert.equal(samples, [11_000, 6_000, 1_000, 21_000]);
  assert.ok(samples.every((s) => s >= 1_000));
});

// A skewed origin clock (§4.2.3) cannot extend freshness.
const skewRows: Array<{ why: string; headers: HeaderList; nowMs: number; fresh: boolean }> = [
  { why: 'RFC 9111 §4.2.3: origin clock 1 h ahead, max-age=60: stale after 61 s', headers: [['date', at(3_600)], ['cache-control', 'max-age=60']], nowMs: T + 61_000, fresh: false },
  { why: 'RFC 9111 §4.2.3: origin clock 1 h ahead, max-age=60: fresh after 59 s', headers: [['date', at(3_600)], ['cache-control', 'max-age=60']], nowMs: T + 59_000, fresh: true },
  { why: 'RFC 9111 §4.2.3: origin clock 1 h ahead, Expires = Date + 60: stale after 61 s', headers: [['date', at(3_600)], ['expires', at(3_660)]], nowMs: T + 61_000, fresh: false },
  { why: 'RFC 9111 §4.2.3: origin clock 1 h behind, max-age=60: stale at once (apparent age 1 h)', headers: [['date', at(-3_600)], ['cache-control', 'max-age=60']], nowMs: T, fresh: false },
  { why: 'RFC 9111 §4.2.3: origin clock 1 h behind, Expires = Date + 60 s: lifetime stays 60 s', headers: [['date', at(-3_600)], ['expires', at(-3_540)]], nowMs: T, fresh: false },
];

for (const row of skewRows) {
  test(row.why, () => {
    const { lifetimeMs } = freshnessLifetime(200, row.headers, effectiveDirectives(row.headers), T, HEURISTIC);
    const ageMs = currentAgeMs(correctedInitialAgeMs(row.headers, T, T), T, row.nowMs);
    assert.is(lifetimeMs > ageMs, row.fresh);
  });
}

test.run();
