import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList, RequestHeaders } from '../../../common/http.js';
import { canStore, storedHeaders, type SetCookiePolicy, type StoreDecision } from '../../../edge/policy/cacheability.js';
import { effectiveDirectives, freshnessLifetime } from '../../../edge/policy/freshness.js';
import { formatHttpDate } from '../../../common/http-semantics/http-date.js';

const T = Date.UTC(2024, 0, 1, 12, 0, 0);
const at = (seconds: number): string => formatHttpDate(T + seconds * 1000);
const HEURISTIC = { fraction: 0.1, maxSeconds: 86_400 };

interface Row {
  why: string;
  method?: string;
  requestHeaders?: RequestHeaders;
  status?: number;
  headers: HeaderList;
  setCookie?: SetCookiePolicy;
  expected: StoreDecision;
}

const STORE: StoreDecision = { store: true };
const refuse = (reason: Extract<StoreDecision, { store: false }>['reason']): StoreDecision => ({ store: false, reason });
const fresh: HeaderList = [['date', at(0)], ['cache-control', 'max-age=3600']];

const rows: Row[] = [
  { why: 'RFC 9111 §3: 200 GET with max-age is stored', headers: fresh, expected: STORE },
  { why: 'RFC 9111 §3: POST responses are not stored', method: 'POST', headers: fresh, expected: refuse('method') },
  { why: 'RFC 9111 §3: only GET responses are stored (HEAD is answered from them)', method: 'HEAD', headers: fresh, expected: refuse('method') },
  // private (§5.2.2.7).
  { why: 'RFC 9111 §5.2.2.7: private is not stored by a shared cache', headers: [['cache-control', 'private, max-age=3600']], expected: refuse('private') },
  { why: 'RFC 9111 §5.2.2.7: PRIVATE in upper case is not stored', headers: [['cache-control', 'PRIVATE, max-age=3600']], expected: refuse('private') },
  { why: 'RFC 9111 §5.2.2.7: qualified private="x-a" is still stored', headers: [['cache-control', 'private="x-a", max-age=3600']], expected: STORE },
  // no-store (§5.2.2.5).
  { why: 'RFC 9111 §5.2.2.5: no-store is not stored', headers: [['cache-control', 'no-store']], expected: refuse('no-store') },
  { why: 'RFC 9111 §5.2.2.5: no-store wins over max-age on the same line', headers: [['cache-control', 'no-store, max-age=3600']], expected: refuse('no-store') },
  { why: 'RFC 9111 §5.2.2.5: no-store wins over max-age on another line and Expires', headers: [['date', at(0)], ['cache-control', 'max-age=3600'], ['cache-control', 'no-store'], ['expires', at(3600)]], expected: refuse('no-store') },
  { why: 'RFC 9111 §5.2.2.5: No-StOrE in mixed case is not stored', headers: [['cache-control', 'No-StOrE, max-age=3600']], expected: refuse('no-store') },
  // must-understand (§5.2.2.3).
  { why: 'RFC 9111 §5.2.2.3: must-understand with an understood status (200) overrides no-store', headers: [['cache-control', 'must-understand, no-store, max-age=3600']], expected: STORE },
  { why: 'RFC 9111 §5.2.2.3: must-understand with an understood status (404) overrides no-store', status: 404, headers: [['cache-control', 'must-understand, no-store, max-age=3600']], expected: STORE },
  { why: 'RFC 9111 §5.2.2.3: must-understand with an unknown status (599) is not stored', status: 599, headers: [['cache-control', 'must-understand, no-store, max-age=3600']], expected: refuse('status') },
  { why: 'RFC 9111 §5.2.2.3: must-understand with an unknown status (599) is not stored even without no-store', status: 599, headers: [['cache-control', 'must-understand, max-age=3600']], expected: refuse('status') },
  { why: 'RFC 9111 §5.2.2.3: must-understand does not override private', headers: [['cache-control', 'must-understand, private, max-age=3600']], expected: refuse('private') },
  // Request directives (§5.2.1.5).
  { why: 'RFC 9111 §3: request no-store prevents storing', requestHeaders: { 'cache-control': 'no-store' }, headers: fresh, expected: refuse('request-no-store') },
  { why: 'RFC 9111 §3: request NO-STORE in upper case prevents storing', requestHeaders: { 'cache-control': 'max-age=0, NO-STORE' }, headers: fresh, expected: refuse('request-no-store') },
  { why: 'RFC 9111 §3: request no-store on a second request line prevents storing', requestHeaders: { 'cache-control': ['max-age=0', 'no-store'] }, headers: fresh, expected: refuse('request-no-store') },
  { why: 'RFC 9111 §5.2.1: request no-cache does not prevent storing', requestHeaders: { 'cache-control': 'no-cache' }, headers: fresh, expected: STORE },
  // Authorization (§3.5).
  { why: 'RFC 9111 §3.5: Authorization without public/s-maxage/must-revalidate is not stored', requestHeaders: { authorization: 'Basic dXNlcjpwYXNz' }, headers: fresh, expected: refuse('authorization') },
  { why: 'RFC 9111 §3.5: Authorization with public is stored', requestHeaders: { authorization: 'Basic dXNlcjpwYXNz' }, headers: [['cache-control', 'public, max-age=3600']], expected: STORE },
  { why: 'RFC 9111 §3.5: Authorization with s-maxage is stored', requestHeaders: { authorization: 'Basic dXNlcjpwYXNz' }, headers: [['cache-control', 's-maxage=3600']], expected: STORE },
  { why: 'RFC 9111 §3.5: Authorization with must-revalidate is stored', requestHeaders: { authorization: 'Basic dXNlcjpwYXNz' }, headers: [['cache-control', 'must-revalidate, max-age=3600']], expected: STORE },
  { why: 'RFC 9111 §3.5: Authorization with proxy-revalidate alone is not stored', requestHeaders: { authorization: 'Basic dXNlcjpwYXNz' }, headers: [['cache-control', 'proxy-revalidate, max-age=3600']], expected: refuse('authorization') },
  // Set-Cookie policies.
  { why: 'RFC 9111 §3 (policy): Set-Cookie under bypass is not stored', headers: [...fresh, ['set-cookie', 'a=1']], setCookie: 'bypass', expected: refuse('set-cookie') },
  { why: 'RFC 9111 §3 (policy): Set-Cookie under strip is stored', headers: [...fresh, ['set-cookie', 'a=1']], setCookie: 'strip', expected: STORE },
  { why: 'RFC 9111 §3 (policy): Set-Cookie under store is stored', headers: [...fresh, ['set-cookie', 'a=1']], setCookie: 'store', expected: STORE },
  { why: 'RFC 9111 §3 (policy): bypass without Set-Cookie is stored', headers: fresh, setCookie: 'bypass', expected: STORE },
  // Vary: * (§4.1).
  { why: 'RFC 9111 §4.1: Vary: * is never stored', headers: [...fresh, ['vary', '*']], expected: refuse('vary-star') },
  { why: 'RFC 9111 §4.1: Vary: *, * is never stored', headers: [...fresh, ['vary', '*, *']], expected: refuse('vary-star') },
  { why: 'RFC 9111 §4.1: Vary: , * is never stored', headers: [...fresh, ['vary', ', *']], expected: refuse('vary-star') },
  { why: 'RFC 9111 §4.1: Vary: *, Foo is never stored', headers: [...fresh, ['vary', '*, Foo']], expected: refuse('vary-star') },
  { why: 'RFC 9111 §4.1: Vary: Foo, * is never stored', headers: [...fresh, ['vary', 'Foo, *']], expected: refuse('vary-star') },
  { why: 'RFC 9111 §4.1: Vary: Foo then Vary: * on separate lines is never stored', headers: [...fresh, ['vary', 'Foo'], ['vary', '*']], expected: refuse('vary-star') },
  { why: 'RFC 9111 §4.1: Vary: Accept-Encoding is stored', headers: [...fresh, ['vary', 'Accept-Encoding']], expected: STORE },
  { why: 'RFC 9111 §4.1: Vary: X-Forwarded-For is not stored (the edge appends the client address, so no later request presents what the origin saw)', headers: [...fresh, ['vary', 'Accept, X-Forwarded-For']], expected: refuse('vary-client-address') },
  // Status codes (§3, RFC 9110 §15.1).
  { why: 'RFC 9111 §3: 206 is never stored (complete responses only)', status: 206, headers: fresh, expected: refuse('status') },
  { why: 'RFC 9111 §4.3.4: 304 updates, it is never stored', status: 304, headers: fresh, expected: refuse('status') },
  { why: 'RFC 9111 §3: 1xx is never stored', status: 103, headers: fresh, expected: refuse('status') },
  { why: 'RFC 9111 §4.2.2: 200 with only Last-Modified is stored (heuristic)', headers: [['date', at(0)], ['last-modified', at(-100_000)]], expected: STORE },
  { why: 'RFC 9111 §3: 200 with only an ETag is stored (validator)', headers: [['date', at(0)], ['etag', '"v1"']], expected: STORE },
  { why: 'RFC 9111 §3: 200 without any freshness or validator is not worth storing', headers: [['date', at(0)]], expected: refuse('not-cacheable') },
  { why: 'RFC 9111 §3: max-age=0 without a validator is not worth storing', headers: [['cache-control', 'max-age=0']], expected: refuse('not-cacheable') },
  { why: 'RFC 5861 §3: max-age=0 with stale-while-revalidate is stored', headers: [['cache-control', 'max-age=0, stale-while-revalidate=60']], expected: STORE },
  { why: 'RFC 5861 §4: max-age=0 with stale-if-error is stored', headers: [['cache-control', 'max-age=0, stale-if-error=60']], expected: STORE },
  { why: 'RFC 9111 §3: max-age=0 with an ETag is stored for revalidation', headers: [['cache-control', 'max-age=0'], ['etag', '"v1"']], expected: STORE },
  { why: 'RFC 9111 §3: 302 with max-age is stored', status: 302, headers: fresh, expected: STORE },
  { why: 'RFC 9111 §3: 302 with a future Expires is stored', status: 302, headers: [['date', at(0)], ['expires', at(60)]], expected: STORE },
  { why: 'RFC 9111 §3: 302 without explicit freshness is not stored', status: 302, headers: [['date', at(0)], ['last-modified', at(-100_000)]], expected: refuse('not-cacheable') },
  { why: 'RFC 9111 §3: 500 with max-age is stored', status: 500, headers: fresh, expected: STORE },
  { why: 'RFC 9111 §3: 201 with Expires: 0 and no validator is not worth storing', status: 201, headers: [['date', at(0)], ['expires', '0']], expected: refuse('not-cacheable') },
  { why: 'RFC 9111 §4.2.2: 599 with public and Last-Modified is stored', status: 599, headers: [['date', at(0)], ['cache-control', 'public'], ['last-modified', at(-100_000)]], expected: STORE },
  // CDN-Cache-Control (RFC 9213 §2.1).
  { why: 'RFC 9213 §2.1: CC no-store + CDN-CC max-age=10000 is stored', headers: [['cache-control', 'no-store'], ['cdn-cache-control', 'max-age=10000']], expected: STORE },
  { why: 'RFC 9213 §2.1: CC max-age + CDN-CC no-store is not stored', headers: [['cache-control', 'max-age=10000'], ['cdn-cache-control', 'no-store']], expected: refuse('no-store') },
  { why: 'RFC 9213 §2.1: CC private + CDN-CC max-age is stored', headers: [['cache-control', 'private'], ['cdn-cache-control', 'max-age=60']], expected: STORE },
  { why: 'RFC 9213 §2.1: invalid CDN-CC (&&&&&) falls back to CC no-store', headers: [['cache-control', 'no-store'], ['cdn-cache-control', 'max-age=10000, &&&&&']], expected: refuse('no-store') },
  { why: 'RFC 9213 §2.1: wrong-type CDN-CC max-age="10000" falls back to CC no-store', headers: [['cache-control', 'no-store'], ['cdn-cache-control', 'max-age="10000"'], ['etag', '"v1"']], expected: refuse('no-store') },
  { why: 'RFC 9213 §2.1: upper-case CDN-CC MaX-aGe=1 falls back to CC no-store', headers: [['cache-control', 'no-store'], ['cdn-cache-control', 'MaX-aGe=1']], expected: refuse('no-store') },
];

for (const status of [201, 202, 403, 502, 503, 504, 599]) {
  rows.push({
    why: `RFC 9111 §3 + §4.2.2: ${status} with only Last-Modified is not cacheable`,
    status,
    headers: [['date', at(0)], ['last-modified', at(-100_000)]],
    expected: refuse('not-cacheable'),
  });
}

for (const row of rows) {
  test(row.why, () => {
    const status = row.status ?? 200;
    const effective = effectiveDirectives(row.headers);
    const lifetime = freshnessLifetime(status, row.headers, effective, T, HEURISTIC);
    const decision = canStore({
      method: row.method ?? 'GET',
      requestHeaders: row.requestHeaders ?? {},
      status,
      headers: row.headers,
      effective,
      lifetime,
      setCookie: row.setCookie ?? 'strip',
    });
    assert.equal(decision, row.expected);
  });
}

interface StoredRow {
  why: string;
  headers: HeaderList;
  setCookie?: SetCookiePolicy;
  expected: HeaderList;
}

const storedRows: StoredRow[] = [
  {
    why: 'RFC 9111 §3.1: fields named by Connection are not stored',
    headers: [['connection', 'X-A, close'], ['x-a', '1'], ['x-b', '2']],
    expected: [['x-b', '2']],
  },
  {
    why: 'RFC 9110 §7.6.1: hop-by-hop fields are not stored',
    headers: [
      ['keep-alive', 'timeout=5'], ['proxy-connection', 'keep-alive'], ['proxy-authenticate', 'Basic'], ['proxy-authentication-info', 'x'],
      ['proxy-authorization', 'x'], ['te', 'trailers'], ['trailer', 'x-t'], ['transfer-encoding', 'chunked'], ['upgrade', 'h2c'], ['etag', '"v"'],
    ],
    expected: [['etag', '"v"']],
  },
  {
    why: 'RFC 9111 §3.1: Content-Length is regenerated, not stored',
    headers: [['content-length', '10'], ['content-type', 'text/plain']],
    expected: [['content-type', 'text/plain']],
  },
  {
    why: 'RFC 9111 §5.2.2.7: fields listed in qualified private are not stored',
    headers: [['cache-control', 'private="X-Secret", max-age=60'], ['x-secret', 's'], ['x-public', 'p']],
    expected: [['cache-control', 'private="X-Secret", max-age=60'], ['x-public', 'p']],
  },
  {
    why: 'RFC 9111 §5.2.2.4: fields listed in qualified no-cache are not stored',
    headers: [['cache-control', 'no-cache="x-a, x-b", max-age=60'], ['x-a', '1'], ['x-b', '2'], ['x-c', '3']],
    expected: [['cache-control', 'no-cache="x-a, x-b", max-age=60'], ['x-c', '3']],
  },
  {
    why: 'RFC 9111 §3.1 (policy strip): Set-Cookie is not stored',
    headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-a', '1']],
    setCookie: 'strip',
    expected: [['x-a', '1']],
  },
  {
    why: 'RFC 9111 §3.1 (policy store): every Set-Cookie line is stored in order',
    headers: [['set-cookie', 'a=1'], ['x-a', '1'], ['set-cookie', 'b=2']],
    setCookie: 'store',
    expected: [['set-cookie', 'a=1'], ['x-a', '1'], ['set-cookie', 'b=2']],
  },
  {
    why: 'RFC 9111 §3.1: end-to-end fields keep their order and duplicates',
    headers: [['date', at(0)], ['vary', 'a'], ['vary', 'b'], ['etag', '"x"']],
    expected: [['date', at(0)], ['vary', 'a'], ['vary', 'b'], ['etag', '"x"']],
  },
];

for (const row of storedRows) {
  test(row.why, () => {
    assert.equal(storedHeaders(row.headers, effectiveDirectives(row.headers), row.setCookie ?? 'strip'), row.expected);
  });
}

test.run();
