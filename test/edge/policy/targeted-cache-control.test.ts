import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../../common/http.js';
import type { Directives } from '../../../edge/policy/cache-control.js';
import { parseSfDictionary, parseTargetedCacheControl } from '../../../edge/policy/targeted-cache-control.js';
import { effectiveDirectives } from '../../../edge/policy/freshness.js';

interface Row {
  why: string;
  header: string | undefined;
  /** undefined: the field must be ignored as if absent (RFC 9213 §2.1). */
  expected: Partial<Directives> | undefined;
}

const rows: Row[] = [
  { why: 'RFC 9213 §2: absent CDN-Cache-Control is ignored', header: undefined, expected: undefined },
  { why: 'RFC 9213 §2.1: empty CDN-Cache-Control is ignored', header: '', expected: undefined },
  { why: 'RFC 9213 §2.1: whitespace-only CDN-Cache-Control is ignored', header: '   ', expected: undefined },
  { why: 'RFC 9213 §2.1: max-age=60 is an Integer', header: 'max-age=60', expected: { maxAge: 60, noStore: false } },
  { why: 'RFC 9213 §2.1: s-maxage=30 and max-age=60', header: 'max-age=60, s-maxage=30', expected: { maxAge: 60, sMaxAge: 30 } },
  { why: 'RFC 9213 §2.1 + RFC 8941 §3.2: no-store is Boolean true', header: 'no-store', expected: { noStore: true } },
  { why: 'RFC 8941 §3.2: no-store=?0 is Boolean false', header: 'no-store=?0, max-age=5', expected: { noStore: false, maxAge: 5 } },
  { why: 'RFC 8941 §3.2: no-store=?1 is Boolean true', header: 'no-store=?1', expected: { noStore: true } },
  { why: 'RFC 9213 §2.1: boolean directives', header: 'public, must-revalidate, proxy-revalidate, must-understand, immutable', expected: { public: true, mustRevalidate: true, proxyRevalidate: true, mustUnderstand: true, immutable: true } },
  { why: 'RFC 9213 §2.1: private as Boolean', header: 'private', expected: { private: true, privateFields: [] } },
  { why: 'RFC 9213 §2.1: no-cache with a String field list', header: 'no-cache="Set-Cookie, x-a"', expected: { noCache: false, noCacheFields: ['set-cookie', 'x-a'] } },
  { why: 'RFC 9213 §2.1: private with a String field list', header: 'private="x-b"', expected: { private: false, privateFields: ['x-b'] } },
  { why: 'RFC 5861 via RFC 9213 §2.1: stale-while-revalidate and stale-if-error Integers', header: 'max-age=1, stale-while-revalidate=10, stale-if-error=20', expected: { maxAge: 1, staleWhileRevalidate: 10, staleIfError: 20 } },
  { why: 'RFC 8941 §3.2: duplicate keys, the last wins (max-age=30, max-age=60)', header: 'max-age=30, max-age=60', expected: { maxAge: 60 } },
  { why: 'RFC 9213 §2.1: parameters on directives are ignored (max-age=30;a=b;c=d)', header: 'max-age=30;a=b;c=d', expected: { maxAge: 30 } },
  { why: 'RFC 9213 §2.1: unknown directives are ignored (foo, max-age=10)', header: 'foo, max-age=10', expected: { maxAge: 10 } },
  { why: 'RFC 9213 §2.1: a dictionary of only unknown directives is valid and decides (none)', header: 'none', expected: { maxAge: undefined, noStore: false } },
  { why: 'RFC 8941 §3.2: OWS around commas is allowed', header: 'max-age=10 ,\tpublic', expected: { maxAge: 10, public: true } },
  { why: 'RFC 9111 §1.2.2 via RFC 9213: huge Integer max-age clamps to 2147483648', header: 'max-age=999999999999999', expected: { maxAge: 2147483648 } },
  { why: 'RFC 9111 §4.2.1 via RFC 9213: negative Integer max-age=-1 is invalid → 0 (stale)', header: 'max-age=-1', expected: { maxAge: 0 } },
  // Invalid Structured Fields are ignored, falling back to Cache-Control (§2.1).
  { why: 'RFC 9213 §2.1: invalid SF (max-age=10000, &&&&&) is ignored', header: 'max-age=10000, &&&&&', expected: undefined },
  { why: 'RFC 9213 §2.1: wrong type, String max-age="10000", makes the field ignored', header: 'max-age="10000"', expected: undefined },
  { why: 'RFC 9213 §2.1: wrong type, Decimal max-age=1.5, is not coerced; field ignored', header: 'max-age=1.5', expected: undefined },
  { why: 'RFC 9213 §2.1: wrong type, Token s-maxage=abc; field ignored', header: 's-maxage=abc', expected: undefined },
  { why: 'RFC 9213 §2.1: wrong type, Integer no-store=1; field ignored', header: 'no-store=1', expected: undefined },
  { why: 'RFC 8941 §3.2: upper-case key MaX-aGe=1 is invalid; field ignored', header: 'MaX-aGe=1', expected: undefined },
  { why: 'RFC 8941 §3.2: trailing comma is invalid; field ignored', header: 'max-age=10,', expected: undefined },
  { why: 'RFC 8941 §3.2: space before = is invalid; field ignored', header: 'max-age =10', expected: undefined },
  { why: 'RFC 8941 §3.3.1: Integer with 16 digits is invalid; field ignored', header: 'max-age=1234567890123456', expected: undefined },
  { why: 'RFC 8941 §3.2: garbage after an Integer is invalid (max-age=10abc)', header: 'max-age=10abc', expected: undefined },
  { why: 'RFC 8941 §3.2: Cache-Control style single quotes are invalid', header: "max-age='10'", expected: undefined },
];

for (const row of rows) {
  test(row.why, () => {
    const d = parseTargetedCacheControl(row.header);
    if (row.expected === undefined) {
      assert.is(d, undefined);
      return;
    }
    assert.ok(d !== undefined, 'expected the field to be used');
    const actual: Record<string, unknown> = {};
    for (const key of Object.keys(row.expected)) actual[key] = d![key as keyof Directives];
    assert.equal(actual, row.expected as Record<string, unknown>);
  });
}

test('RFC 8941 §3.2: parseSfDictionary keeps the bare item types', () => {
  const dict = parseSfDictionary('a=1, b="x", c=?0, d, e=tok;p=1');
  assert.ok(dict !== undefined);
  assert.equal([...dict!.entries()], [['a', 1], ['b', 'x'], ['c', false], ['d', true], ['e', { token: 'tok' }]]);
});

interface EffectiveRow {
  why: string;
  headers: HeaderList;
  targeted: boolean;
  expected: Partial<Directives>;
}

const effectiveRows: EffectiveRow[] = [
  {
    why: 'RFC 9213 §2.1: CDN-Cache-Control max-age decides over Cache-Control no-store',
    headers: [['cache-control', 'no-store'], ['cdn-cache-control', 'max-age=10000']],
    targeted: true,
    expected: { maxAge: 10000, noStore: false },
  },
  {
    why: 'RFC 9213 §2.1: CDN-Cache-Control no-store decides over Cache-Control max-age',
    headers: [['cache-control', 'max-age=3600'], ['cdn-cache-control', 'no-store']],
    targeted: true,
    expected: { maxAge: undefined, noStore: true },
  },
  {
    why: 'RFC 9213 §2.1: invalid CDN-Cache-Control (&&&&&) falls back to Cache-Control no-store',
    headers: [['cache-control', 'no-store'], ['cdn-cache-control', 'max-age=10000, &&&&&']],
    targeted: false,
    expected: { maxAge: undefined, noStore: true },
  },
  {
    why: 'RFC 9213 §2.1: wrong-type CDN-Cache-Control (max-age="10000") falls back to Cache-Control no-store',
    headers: [['cache-control', 'no-store'], ['cdn-cache-control', 'max-age="10000"']],
    targeted: false,
    expected: { maxAge: undefined, noStore: true },
  },
  {
    why: 'RFC 9213 §2.1: upper-case CDN-Cache-Control key falls back to Cache-Control',
    headers: [['cache-control', 'max-age=5'], ['cdn-cache-control', 'MaX-aGe=1']],
    targeted: false,
    expected: { maxAge: 5 },
  },
  {
    why: 'RFC 9111 §5.2: without CDN-Cache-Control, Cache-Control lines are combined',
    headers: [['cache-control', 'public'], ['cache-control', 'max-age=7']],
    targeted: false,
    expected: { maxAge: 7, public: true },
  },
  {
    why: 'RFC 8941 §3.2: CDN-Cache-Control lines are combined before parsing',
    headers: [['cdn-cache-control', 'max-age=7'], ['cdn-cache-control', 'public']],
    targeted: true,
    expected: { maxAge: 7, public: true },
  },
];

for (const row of effectiveRows) {
  test(row.why, () => {
    const e = effectiveDirectives(row.headers);
    assert.is(e.targeted, row.targeted);
    const actual: Record<string, unknown> = {};
    for (const key of Object.keys(row.expected)) actual[key] = e.directives[key as keyof Directives];
    assert.equal(actual, row.expected as Record<string, unknown>);
  });
}

test.run();
