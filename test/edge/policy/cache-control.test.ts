import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MAX_DELTA_SECONDS,
  emptyDirectives,
  parseCacheControl,
  parseDeltaSeconds,
  type Directives,
} from '../../../edge/policy/cache-control.js';

interface Row {
  why: string;
  header: string | undefined;
  /** Only these fields are compared; unlisted fields may hold anything. */
  expected: Partial<Directives>;
}

const rows: Row[] = [
  // Names are case-insensitive (RFC 9111 §5.2).
  { why: 'RFC 9111 §5.2: absent Cache-Control yields no directives', header: undefined, expected: { ...emptyDirectives(), maxAge: undefined } },
  { why: 'RFC 9111 §5.2: directive names are case-insensitive (No-StOrE)', header: 'No-StOrE', expected: { noStore: true } },
  { why: 'RFC 9111 §5.2: directive names are case-insensitive (MaX-aGe=3600)', header: 'MaX-aGe=3600', expected: { maxAge: 3600 } },
  { why: 'RFC 9111 §5.2: directive names are case-insensitive (S-MAXAGE, PRIVATE, NO-CACHE)', header: 'S-MAXAGE=5, PRIVATE, NO-CACHE', expected: { sMaxAge: 5, private: true, noCache: true } },
  // Unknown extensions (§5.2.3).
  { why: 'RFC 9111 §5.2.3: unknown directive before max-age is ignored (foobar, max-age=3600)', header: 'foobar, max-age=3600', expected: { ...emptyDirectives(), maxAge: 3600 } },
  { why: 'RFC 9111 §5.2.3: a lone unknown directive (nothing-to-see-here) is ignored', header: 'nothing-to-see-here', expected: { ...emptyDirectives(), maxAge: undefined } },
  { why: 'RFC 9111 §5.2.3: unknown directive with a token value is ignored', header: 'max-age=60, foo=bar, baz', expected: { ...emptyDirectives(), maxAge: 60 } },
  // Quoted extension values (§5.2, RFC 9110 §5.6.4).
  {
    why: 'RFC 9111 §5.2: quoted extension value holding max-age=3600 is not a directive (extension="max-age=3600", max-age=1)',
    header: 'extension="max-age=3600", max-age=1',
    expected: { maxAge: 1 },
  },
  {
    why: 'RFC 9111 §5.2: quoted extension value with a comma does not split directives (ext="a, no-store", max-age=10)',
    header: 'ext="a, no-store", max-age=10',
    expected: { maxAge: 10, noStore: false },
  },
  {
    why: 'RFC 9110 §5.6.4: quoted-pair escapes inside an extension do not end the string (ext="x\\"y, private", max-age=7)',
    header: 'ext="x\\"y, private", max-age=7',
    expected: { maxAge: 7, private: false },
  },
  // delta-seconds (§1.2.2).
  { why: 'RFC 9111 §1.2.2: leading zeros are digits (max-age=003600 → 3600)', header: 'max-age=003600', expected: { maxAge: 3600 } },
  { why: 'RFC 9111 §5.2: a double-quoted max-age is accepted (max-age="3600")', header: 'max-age="3600"', expected: { maxAge: 3600 } },
  { why: "RFC 9111 §4.2.1: single-quoted max-age='3600' is invalid and treated as stale (0)", header: "max-age='3600'", expected: { maxAge: 0 } },
  { why: 'RFC 9111 §4.2.1: negative max-age=-3600 is invalid → 0', header: 'max-age=-3600', expected: { maxAge: 0 } },
  { why: 'RFC 9111 §4.2.1: decimal max-age=1.5 is invalid → 0', header: 'max-age=1.5', expected: { maxAge: 0 } },
  { why: 'RFC 9111 §4.2.1: max-age without a value is invalid → 0', header: 'max-age', expected: { maxAge: 0 } },
  { why: 'RFC 9111 §4.2.1: max-age with an empty value is invalid → 0', header: 'max-age=', expected: { maxAge: 0 } },
  { why: 'RFC 9111 §1.2.2: huge max-age clamps to 2147483648', header: 'max-age=99999999999999999999', expected: { maxAge: 2147483648 } },
  { why: 'RFC 9111 §1.2.2: max-age=2147483649 clamps to 2147483648', header: 'max-age=2147483649', expected: { maxAge: 2147483648 } },
  { why: 'RFC 9111 §1.2.2: max-age=2147483647 is kept exactly', header: 'max-age=2147483647', expected: { maxAge: 2147483647 } },
  { why: 'RFC 9111 §1.2.2: huge s-maxage clamps to 2147483648', header: 's-maxage=1234567890123', expected: { sMaxAge: 2147483648 } },
  { why: 'RFC 9111 §5.2: whitespace around = and commas is tolerated (max-age = 30 ,public)', header: ' max-age = 30 ,public', expected: { maxAge: 30, public: true } },
  // Duplicates (§4.2.1).
  { why: 'RFC 9111 §4.2.1: duplicate max-age on one line, first wins (max-age=1800, max-age=1)', header: 'max-age=1800, max-age=1', expected: { maxAge: 1800 } },
  { why: 'RFC 9111 §4.2.1: duplicate max-age, first wins even when first is shorter (max-age=1, max-age=1800)', header: 'max-age=1, max-age=1800', expected: { maxAge: 1 } },
  { why: 'RFC 9111 §4.2.1: duplicate s-maxage, first wins', header: 's-maxage=10, s-maxage=20', expected: { sMaxAge: 10 } },
  { why: 'RFC 9111 §4.2.1: invalid first max-age still wins over a later valid one (stale)', header: 'max-age=abc, max-age=60', expected: { maxAge: 0 } },
  // Qualified field lists (§5.2.2.4, §5.2.2.7).
  { why: 'RFC 9111 §5.2.2.4: qualified no-cache="a, b" lists fields and is not unqualified', header: 'no-cache="a, b"', expected: { noCache: false, noCacheFields: ['a', 'b'] } },
  { why: 'RFC 9111 §5.2.2.4: qualified no-cache field names are lower-cased', header: 'no-cache="Set-Cookie, X-Foo"', expected: { noCache: false, noCacheFields: ['set-cookie', 'x-foo'] } },
  { why: 'RFC 9111 §5.2.2.4: unqualified no-cache', header: 'no-cache', expected: { noCache: true, noCacheFields: [] } },
  { why: 'RFC 9111 §5.2.2.7: qualified private="x" lists fields, response stays shareable', header: 'private="x", max-age=60', expected: { private: false, privateFields: ['x'], maxAge: 60 } },
  { why: 'RFC 9111 §5.2.2.7: unqualified private', header: 'private', expected: { private: true, privateFields: [] } },
  { why: 'RFC 9111 §5.2.2.7: token form private=x is also a field list', header: 'private=x', expected: { private: false, privateFields: ['x'] } },
  // Other response directives.
  { why: 'RFC 9111 §5.2.2: boolean response directives', header: 'public, must-revalidate, proxy-revalidate, must-understand, immutable', expected: { public: true, mustRevalidate: true, proxyRevalidate: true, mustUnderstand: true, immutable: true } },
  { why: 'RFC 9111 §5.2.2.5: no-store with max-age keeps both', header: 'no-store, max-age=3600', expected: { noStore: true, maxAge: 3600 } },
  { why: 'RFC 5861 §3: stale-while-revalidate=30', header: 'max-age=1, stale-while-revalidate=30', expected: { maxAge: 1, staleWhileRevalidate: 30 } },
  { why: 'RFC 5861 §4: stale-if-error=60', header: 'max-age=1, stale-if-error=60', expected: { maxAge: 1, staleIfError: 60 } },
  { why: 'RFC 5861 §3: invalid stale-while-revalidate grants nothing', header: 'stale-while-revalidate=-1', expected: { staleWhileRevalidate: undefined } },
  // Request directives (§5.2.1).
  { why: 'RFC 9111 §5.2.1.2: max-stale without a value accepts any staleness', header: 'max-stale', expected: { maxStale: Infinity } },
  { why: 'RFC 9111 §5.2.1.2: max-stale=30', header: 'max-stale=30', expected: { maxStale: 30 } },
  { why: 'RFC 9111 §5.2.1.2: invalid max-stale=abc grants nothing', header: 'max-stale=abc', expected: { maxStale: undefined } },
  { why: 'RFC 9111 §5.2.1.3: min-fresh=20', header: 'min-fresh=20', expected: { minFresh: 20 } },
  { why: 'RFC 9111 §5.2.1.7: only-if-cached', header: 'only-if-cached', expected: { onlyIfCached: true } },
  { why: 'RFC 9111 §5.2.1.5: request no-store', header: 'no-store', expected: { noStore: true } },
  { why: 'RFC 9111 §5.2.1.1: request max-age=0', header: 'max-age=0', expected: { maxAge: 0 } },
  { why: 'RFC 9111 §5.2: empty list members are skipped (, , max-age=5,,)', header: ', , max-age=5,,', expected: { ...emptyDirectives(), maxAge: 5 } },
];

for (const row of rows) {
  test(row.why, () => {
    const d = parseCacheControl(row.header);
    const actual: Record<string, unknown> = {};
    for (const key of Object.keys(row.expected)) actual[key] = d[key as keyof Directives];
    assert.equal(actual, row.expected as Record<string, unknown>);
  });
}

const deltaRows: Array<{ why: string; raw: string | undefined; expected: number | undefined }> = [
  { why: 'RFC 9111 §1.2.2: delta-seconds 0', raw: '0', expected: 0 },
  { why: 'RFC 9111 §1.2.2: delta-seconds with leading zeros', raw: '0042', expected: 42 },
  { why: 'RFC 9111 §1.2.2: delta-seconds at the clamp value', raw: '2147483648', expected: MAX_DELTA_SECONDS },
  { why: 'RFC 9111 §1.2.2: delta-seconds above the clamp', raw: '2147483649', expected: MAX_DELTA_SECONDS },
  { why: 'RFC 9111 §1.2.2: delta-seconds rejects a sign', raw: '+5', expected: undefined },
  { why: 'RFC 9111 §1.2.2: delta-seconds rejects the empty string', raw: '', expected: undefined },
  { why: 'RFC 9111 §1.2.2: delta-seconds rejects inner spaces', raw: '1 2', expected: undefined },
  { why: 'RFC 9111 §1.2.2: delta-seconds of undefined is undefined', raw: undefined, expected: undefined },
];

for (const row of deltaRows) {
  test(row.why, () => {
    assert.is(parseDeltaSeconds(row.raw), row.expected);
  });
}

test.run();
