/**
 * The origin's pure handler, driven with a hand-moved clock and a scripted random source: every
 * assertion is on a concrete header value, status or byte, so a behaviour change fails a row.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { headerValue, type RequestHeaders } from '../../common/http.js';
import type { Clock, Random } from '../../common/ports.js';
import { HANG_DELAY_MS } from '../../origin/failure.js';
import { createOrigin } from '../../origin/handler.js';
import { formatHttpDate } from '../../common/http-semantics/http-date.js';
import { MAX_BODY_SIZE_BYTES, resolveOriginConfig, type OriginConfig } from '../../origin/schema.js';
import type { Origin, OriginResponse } from '../../origin/types.js';

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0); // Mon, 15 Jan 2024 12:00:00 GMT
const TOKEN = 'test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Harness {
  origin: Origin;
  advance(ms: number): void;
  randomDraws(): number;
}

/** Random answers from a script and throws when it runs out, so an unexpected draw fails the test. */
function scriptedRandom(values: number[]): Random & { draws(): number } {
  let index = 0;
  return {
    next() {
      const value = values[index];
      if (value === undefined) throw new Error(`random drawn ${index + 1} times, script has ${values.length}`);
      index += 1;
      return value;
    },
    draws: () => index,
  };
}

function setup(config: Partial<OriginConfig> = {}, randomScript: number[] = []): Harness {
  let nowMs = T0;
  const clock: Clock = { wallMs: () => nowMs, monoMs: () => nowMs - T0 };
  const random = scriptedRandom(randomScript);
  const origin = createOrigin({ clock, random, config: resolveOriginConfig({ adminToken: TOKEN, ...config }) });
  return { origin, advance: (ms) => (nowMs += ms), randomDraws: () => random.draws() };
}

function send(origin: Origin, method: string, target: string, headers: RequestHeaders = {}, body?: string): OriginResponse {
  return origin.handle({ method, target, headers, ...(body === undefined ? {} : { body: new TextEncoder().encode(body) }) });
}
const get = (origin: Origin, target: string, headers: RequestHeaders = {}) => send(origin, 'GET', target, headers);
const h = (res: OriginResponse, name: string) => headerValue(res.headers, name);
const text = (res: OriginResponse) => new TextDecoder().decode(res.body);
const json = (res: OriginResponse) => JSON.parse(text(res)) as Record<string, unknown>;

// --- defaults and body ---------------------------------------------------------------------

test('defaults: 200, 1 KiB text body, public max-age=300, strong ETag, Last-Modified and Date from the clock', () => {
  const { origin } = setup();
  const res = get(origin, '/a');
  assert.is(res.status, 200);
  assert.is(res.body.length, 1024);
  assert.is(h(res, 'content-length'), '1024');
  assert.is(h(res, 'content-type'), 'text/plain');
  assert.is(h(res, 'cache-control'), 'public, max-age=300');
  assert.match(h(res, 'etag') ?? '', /^"v1-[0-9a-f]{8}"$/);
  assert.is(h(res, 'date'), 'Mon, 15 Jan 2024 12:00:00 GMT');
  assert.is(h(res, 'last-modified'), 'Mon, 15 Jan 2024 12:00:00 GMT');
  assert.is(h(res, 'accept-ranges'), 'bytes');
  for (const absent of ['expires', 'cdn-cache-control', 'vary', 'surrogate-key', 'age', 'set-cookie', 'location']) {
    assert.is(h(res, absent), undefined, absent);
  }
  assert.is(res.delayMs, 0);
  assert.is(res.action, undefined);
  assert.ok(text(res).startsWith('path=/a version=1\n'));
});

test('Date follows the injected wall clock; Last-Modified stays at the time the object appeared', () => {
  const { origin, advance } = setup();
  get(origin, '/a');
  advance(90_000);
  const res = get(origin, '/a');
  assert.is(h(res, 'date'), 'Mon, 15 Jan 2024 12:01:30 GMT');
  assert.is(h(res, 'last-modified'), 'Mon, 15 Jan 2024 12:00:00 GMT');
});

test('body is exactly size bytes: headline truncated when small, printable filler when large', () => {
  const { origin } = setup();
  const headline = 'path=/b version=1\n';
  for (const size of [0, 1, 5, headline.length, headline.length + 1, 4096, 4096 * 3 + 7, 100_000]) {
    const res = get(origin, `/b?size=${size}`);
    assert.is(res.body.length, size, `size=${size}`);
    assert.is(h(res, 'content-length'), String(size));
    const body = text(res);
    assert.is(body.slice(0, headline.length), headline.slice(0, size), `headline for size=${size}`);
    assert.match(body.slice(headline.length), /^[a-z0-9]*$/, `filler for size=${size}`);
  }
});

test('body is deterministic per path and version, and differs across paths and versions', () => {
  const { origin } = setup();
  const first = text(get(origin, '/a?size=5000'));
  assert.is(text(get(origin, '/a?size=5000')), first);
  const otherPath = text(get(origin, '/b?size=5000'));
  assert.is.not(otherPath.slice(20), first.slice(20));
  const otherVersion = text(get(origin, '/a?size=5000&v=2'));
  assert.ok(otherVersion.startsWith('path=/a version=2\n'));
  assert.is.not(otherVersion.slice(20), first.slice(20));
});

test('size is capped at 64 MiB', () => {
  const { origin } = setup();
  const res = get(origin, `/big?size=${MAX_BODY_SIZE_BYTES + 1000}`);
  assert.is(res.body.length, MAX_BODY_SIZE_BYTES);
  assert.is(h(res, 'content-length'), String(MAX_BODY_SIZE_BYTES));
});

// --- query parameters ----------------------------------------------------------------------

const headerParamRows: Array<[target: string, header: string, expected: string | undefined]> = [
  ['/a?cc=private,+max-age=5', 'cache-control', 'private, max-age=5'],
  ['/a?cc=', 'cache-control', undefined],
  ['/a?cdncc=max-age=60', 'cdn-cache-control', 'max-age=60'],
  ['/a?expires=120', 'expires', 'Mon, 15 Jan 2024 12:02:00 GMT'],
  ['/a?expires=-60', 'expires', 'Mon, 15 Jan 2024 11:59:00 GMT'],
  ['/a?expires=not-a-date', 'expires', 'not-a-date'],
  ['/a?expires=0', 'expires', 'Mon, 15 Jan 2024 12:00:00 GMT'],
  ['/a?date=offset:-30', 'date', 'Mon, 15 Jan 2024 11:59:30 GMT'],
  ['/a?date=garbage', 'date', 'garbage'],
  ['/a?date=', 'date', undefined],
  ['/a?age=42', 'age', '42'],
  ['/a?etag=none', 'etag', undefined],
  ['/a?etag=%22custom%22', 'etag', '"custom"'],
  ['/a?etag=W%2F%22w%22', 'etag', 'W/"w"'],
  ['/a?lm=none', 'last-modified', undefined],
  ['/a?lm=3600', 'last-modified', 'Mon, 15 Jan 2024 11:00:00 GMT'],
  ['/a?lm=yesterday', 'last-modified', 'yesterday'],
  ['/a?vary=Accept-Encoding', 'vary', 'Accept-Encoding'],
  ['/a?sk=k1%20k2', 'surrogate-key', 'k1 k2'],
  ['/a?ct=image%2Fpng', 'content-type', 'image/png'],
  ['/a?location=%2Fx', 'location', '/x'],
  ['/a?clocation=%2Fy', 'content-location', '/y'],
];

for (const [target, header, expected] of headerParamRows) {
  test(`query ${target} → ${header}: ${expected ?? '(absent)'}`, () => {
    const { origin } = setup();
    const res = get(origin, target);
    assert.is(res.status, 200);
    assert.is(h(res, header), expected);
  });
}

test('date=offset skews Expires and Last-Modified along with Date', () => {
  const { origin } = setup();
  const res = get(origin, '/a?date=offset:3600&expires=60&lm=10');
  assert.is(h(res, 'date'), 'Mon, 15 Jan 2024 13:00:00 GMT');
  assert.is(h(res, 'expires'), 'Mon, 15 Jan 2024 13:01:00 GMT');
  assert.is(h(res, 'last-modified'), 'Mon, 15 Jan 2024 12:59:50 GMT');
});

test('etag=weak and etag=strong share the opaque tag; size and version change it', () => {
  const { origin } = setup();
  const strong = h(get(origin, '/a'), 'etag')!;
  assert.is(h(get(origin, '/a?etag=strong'), 'etag'), strong);
  assert.is(h(get(origin, '/a?etag=weak'), 'etag'), `W/${strong}`);
  assert.is.not(h(get(origin, '/a?size=10'), 'etag'), strong);
  assert.is.not(h(get(origin, '/a?v=2'), 'etag'), strong);
});

test('cookie=1 adds a session cookie drawn from the injected random source', () => {
  const { origin, randomDraws } = setup({}, [0.5, 0.25]);
  const res = get(origin, '/a?cookie=1');
  assert.is(h(res, 'set-cookie'), 'session=8000000040000000; Path=/');
  assert.is(randomDraws(), 2);
});

test('status=404 answers 404 with the object headers and body; 204 has no content fields', () => {
  const { origin } = setup();
  const notFound = get(origin, '/a?status=404&cc=max-age%3D10&size=7');
  assert.is(notFound.status, 404);
  assert.is(h(notFound, 'cache-control'), 'max-age=10');
  assert.is(text(notFound), 'path=/a');
  const noContent = get(origin, '/a?status=204');
  assert.is(noContent.status, 204);
  assert.is(noContent.body.length, 0);
  assert.is(h(noContent, 'content-length'), undefined);
  assert.is(h(noContent, 'content-type'), undefined);
});

test('latency=250 sets delayMs; v=7 serves version 7 without changing the stored one', () => {
  const { origin } = setup();
  assert.is(get(origin, '/a?latency=250').delayMs, 250);
  assert.ok(text(get(origin, '/a?v=7')).startsWith('path=/a version=7\n'));
  assert.ok(text(get(origin, '/a')).startsWith('path=/a version=1\n'));
});

const badQueryRows: Array<[target: string, named: string]> = [
  ['/a?size=abc', 'size'],
  ['/a?size=-1', 'size'],
  ['/a?status=99', 'status'],
  ['/a?status=700', 'status'],
  ['/a?latency=-5', 'latency'],
  ['/a?latency=soon', 'latency'],
  ['/a?v=0', 'v'],
  ['/a?date=offset:soon', 'date'],
  ['/a?cc=x%0D%0AX-Evil:%201', 'cc'],
];

for (const [target, named] of badQueryRows) {
  test(`bad query ${target} → 400 naming ${named}`, () => {
    const { origin } = setup();
    const res = get(origin, target);
    assert.is(res.status, 400);
    assert.ok(String(json(res)['error']).startsWith(`query parameter ${named}:`), text(res));
  });
}

// --- routes ----------------------------------------------------------------------------------

test('the longest matching route applies, below query parameters and above config defaults', () => {
  const { origin, randomDraws } = setup(
    {
      latencyMs: 5,
      routes: [
        { prefix: '/static/', cacheControl: 'max-age=3600', latencyMs: 20, sizeBytes: 10 },
        {
          prefix: '/static/img/',
          cacheControl: 'max-age=86400',
          cdnCacheControl: 'max-age=600',
          etag: 'weak',
          lastModified: false,
          expiresSeconds: 30,
          vary: 'Accept',
          surrogateKey: 'img',
          setCookie: true,
          status: 203,
        },
      ],
    },
    [0, 0],
  );
  const img = get(origin, '/static/img/x');
  assert.is(img.status, 203);
  assert.is(h(img, 'cache-control'), 'max-age=86400');
  assert.is(h(img, 'cdn-cache-control'), 'max-age=600');
  assert.match(h(img, 'etag') ?? '', /^W\/"/);
  assert.is(h(img, 'last-modified'), undefined);
  assert.is(h(img, 'expires'), 'Mon, 15 Jan 2024 12:00:30 GMT');
  assert.is(h(img, 'vary'), 'Accept');
  assert.is(h(img, 'surrogate-key'), 'img');
  assert.is(h(img, 'set-cookie'), 'session=0000000000000000; Path=/');
  assert.is(randomDraws(), 2);
  assert.is(img.body.length, 1024, 'sizeBytes is not inherited from the shorter prefix');
  assert.is(img.delayMs, 5, 'latency falls back to config when the matching route has none');

  const css = get(origin, '/static/site.css');
  assert.is(h(css, 'cache-control'), 'max-age=3600');
  assert.is(css.body.length, 10);
  assert.is(css.delayMs, 20);

  const overridden = get(origin, '/static/site.css?cc=no-cache&latency=0&size=3');
  assert.is(h(overridden, 'cache-control'), 'no-cache');
  assert.is(overridden.delayMs, 0);
  assert.is(overridden.body.length, 3);

  const other = get(origin, '/other');
  assert.is(h(other, 'cache-control'), 'public, max-age=300');
  assert.is(other.delayMs, 5);
});

// --- conditionals (RFC 9110 §13) --------------------------------------------------------------

const conditionalRows: Array<[name: string, target: string, headers: (etag: string) => RequestHeaders, status: number]> = [
  ['INM exact strong tag (§13.1.2)', '/a', (etag) => ({ 'if-none-match': etag }), 304],
  ['INM weak form of a strong tag: weak comparison (§8.8.3.2)', '/a', (etag) => ({ 'if-none-match': `W/${etag}` }), 304],
  ['INM strong form of a weak tag', '/a?etag=weak', (etag) => ({ 'if-none-match': etag.slice(2) }), 304],
  ['INM list containing the tag', '/a', (etag) => ({ 'if-none-match': `"x", ${etag} , "y"` }), 304],
  ['INM repeated fields joined', '/a', (etag) => ({ 'if-none-match': ['"x"', etag] }), 304],
  ['INM *', '/a', () => ({ 'if-none-match': '*' }), 304],
  ['INM other tag', '/a', () => ({ 'if-none-match': '"other"' }), 200],
  ['INM tag when the response has no ETag', '/a?etag=none', () => ({ 'if-none-match': '"x"' }), 200],
  ['INM mismatch wins over a matching IMS (§13.2.2)', '/a', () => ({ 'if-none-match': '"other"', 'if-modified-since': 'Mon, 15 Jan 2024 13:00:00 GMT' }), 200],
  ['IMS equal to Last-Modified (§13.1.3)', '/a', () => ({ 'if-modified-since': 'Mon, 15 Jan 2024 12:00:00 GMT' }), 304],
  ['IMS later than Last-Modified', '/a', () => ({ 'if-modified-since': 'Mon, 15 Jan 2024 12:30:00 GMT' }), 304],
  ['IMS one second earlier', '/a', () => ({ 'if-modified-since': 'Mon, 15 Jan 2024 11:59:59 GMT' }), 200],
  ['IMS in RFC 850 form', '/a', () => ({ 'if-modified-since': 'Monday, 15-Jan-24 12:00:00 GMT' }), 304],
  ['IMS invalid date is ignored', '/a', () => ({ 'if-modified-since': 'not a date' }), 200],
  ['IMS without Last-Modified is ignored', '/a?lm=none', () => ({ 'if-modified-since': 'Mon, 15 Jan 2024 12:30:00 GMT' }), 200],
  ['IMS against a verbatim Last-Modified', '/a?lm=Sun,+14+Jan+2024+00:00:00+GMT', () => ({ 'if-modified-since': 'Sun, 14 Jan 2024 00:00:00 GMT' }), 304],
];

for (const [name, target, headers, status] of conditionalRows) {
  test(`conditional: ${name} → ${status}`, () => {
    const { origin } = setup();
    const etag = h(get(origin, target), 'etag') ?? '';
    assert.is(get(origin, target, headers(etag)).status, status);
  });
}

test('304 carries the 200 headers except Content-Type/Content-Length, and no body (§15.4.5)', () => {
  const { origin } = setup();
  const target = '/a?cdncc=max-age%3D60&expires=60&vary=Accept&sk=k1&cc=max-age%3D30';
  const full = get(origin, target);
  const res = get(origin, target, { 'if-none-match': h(full, 'etag') });
  assert.is(res.status, 304);
  assert.is(res.body.length, 0);
  for (const name of ['etag', 'last-modified', 'cache-control', 'cdn-cache-control', 'expires', 'vary', 'date', 'surrogate-key']) {
    assert.is(h(res, name), h(full, name), name);
    assert.ok(h(res, name) !== undefined, `${name} present`);
  }
  assert.is(h(res, 'content-length'), undefined);
  assert.is(h(res, 'content-type'), undefined);
});

test('HEAD honours conditionals; a version bump makes the old tag miss', () => {
  const { origin } = setup();
  const etag = h(get(origin, '/a'), 'etag')!;
  assert.is(send(origin, 'HEAD', '/a', { 'if-none-match': etag }).status, 304);
  send(origin, 'POST', '/_admin/version?path=/a', AUTH);
  const after = get(origin, '/a', { 'if-none-match': etag });
  assert.is(after.status, 200);
  assert.ok(text(after).startsWith('path=/a version=2\n'));
});

// --- ranges (RFC 9110 §14) --------------------------------------------------------------------

const rangeRows: Array<[range: string, status: number, contentRange: string | undefined, slice?: [number, number]]> = [
  ['bytes=0-9', 206, 'bytes 0-9/100', [0, 10]],
  ['bytes=90-', 206, 'bytes 90-99/100', [90, 100]],
  ['bytes=-10', 206, 'bytes 90-99/100', [90, 100]],
  ['bytes=-500', 206, 'bytes 0-99/100', [0, 100]],
  ['bytes=95-200', 206, 'bytes 95-99/100', [95, 100]],
  ['bytes=99-99', 206, 'bytes 99-99/100', [99, 100]],
  ['BYTES = 0-0', 206, 'bytes 0-0/100', [0, 1]],
  ['bytes=100-', 416, 'bytes */100'],
  ['bytes=100-200', 416, 'bytes */100'],
  ['bytes=-0', 416, 'bytes */100'],
  ['bytes=0-1,5-6', 200, undefined],
  ['bytes=abc', 200, undefined],
  ['bytes=5-1', 200, undefined],
  ['bytes=-', 200, undefined],
  ['items=0-1', 200, undefined],
];

for (const [range, status, contentRange, slice] of rangeRows) {
  test(`range ${range} on 100 bytes → ${status} ${contentRange ?? ''}`, () => {
    const { origin } = setup();
    const full = get(origin, '/r?size=100').body;
    const res = get(origin, '/r?size=100', { range });
    assert.is(res.status, status);
    assert.is(h(res, 'content-range'), contentRange);
    const expected = slice === undefined ? (status === 416 ? new Uint8Array(0) : full) : full.subarray(slice[0], slice[1]);
    assert.equal(Array.from(res.body), Array.from(expected));
    assert.is(h(res, 'content-length'), String(expected.length));
  });
}

test('range on an empty body is unsatisfiable', () => {
  const { origin } = setup();
  const res = get(origin, '/r?size=0', { range: 'bytes=0-' });
  assert.is(res.status, 416);
  assert.is(h(res, 'content-range'), 'bytes */0');
});

test('If-Range: matching strong tag or exact date → 206; other tag or weak tag → 200 (§13.1.5)', () => {
  const { origin } = setup();
  const strong = get(origin, '/r?size=100');
  const range = 'bytes=0-9';
  assert.is(get(origin, '/r?size=100', { range, 'if-range': h(strong, 'etag') }).status, 206);
  assert.is(get(origin, '/r?size=100', { range, 'if-range': h(strong, 'last-modified') }).status, 206);
  assert.is(get(origin, '/r?size=100', { range, 'if-range': '"other"' }).status, 200);
  const weak = h(get(origin, '/r?size=100&etag=weak'), 'etag');
  assert.is(get(origin, '/r?size=100&etag=weak', { range, 'if-range': weak }).status, 200);
});

// --- HEAD and unsafe methods -----------------------------------------------------------------

test('HEAD: same headers as GET, empty body, full Content-Length; Range ignored', () => {
  const { origin } = setup();
  const getRes = get(origin, '/a?size=300');
  const headRes = send(origin, 'HEAD', '/a?size=300', { range: 'bytes=0-9' });
  assert.is(headRes.status, 200);
  assert.is(headRes.body.length, 0);
  assert.equal(headRes.headers, getRes.headers);
  assert.is(h(headRes, 'content-length'), '300');
});

for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
  test(`${method} bumps the version and answers no-store JSON`, () => {
    const { origin, advance } = setup();
    const before = get(origin, '/a');
    advance(5_000);
    const res = send(origin, method, '/a?x=1', {}, 'payload');
    assert.is(res.status, 200);
    assert.equal(json(res), { path: '/a', version: 2 });
    assert.is(h(res, 'cache-control'), 'no-store');
    assert.is(h(res, 'content-type'), 'application/json');
    const after = get(origin, '/a');
    assert.ok(text(after).startsWith('path=/a version=2\n'));
    assert.is.not(h(after, 'etag'), h(before, 'etag'));
    assert.is(h(after, 'last-modified'), 'Mon, 15 Jan 2024 12:00:05 GMT');
  });
}

test('unsafe method: location and clocation become Location and Content-Location', () => {
  const { origin } = setup();
  const res = send(origin, 'POST', '/a?location=%2Fx&clocation=%2Fy');
  assert.is(h(res, 'location'), '/x');
  assert.is(h(res, 'content-location'), '/y');
  assert.is(h(send(origin, 'POST', '/a'), 'location'), undefined);
});

test('other methods get 405 with Allow', () => {
  const { origin } = setup();
  const res = send(origin, 'OPTIONS', '/a');
  assert.is(res.status, 405);
  assert.is(h(res, 'allow'), 'GET, HEAD, POST, PUT, PATCH, DELETE');
});

// --- admin -----------------------------------------------------------------------------------

test('admin: missing, wrong or unconfigured token → 401 with WWW-Authenticate', () => {
  const { origin } = setup();
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }]) {
    const res = send(origin, 'POST', '/_admin/reset', headers);
    assert.is(res.status, 401);
    assert.is(h(res, 'www-authenticate'), 'Bearer');
    assert.ok(String(json(res)['error']).startsWith('authorization:'));
  }
  const unconfigured = createOrigin({ clock: { wallMs: () => T0, monoMs: () => 0 }, random: scriptedRandom([]), config: resolveOriginConfig({}) });
  assert.is(send(unconfigured, 'POST', '/_admin/reset', { authorization: 'Bearer undefined' }).status, 401);
  assert.is(send(origin, 'POST', '/_admin/reset', { authorization: `bearer ${TOKEN}` }).status, 200, 'scheme is case-insensitive');
});

test('admin version: bumps and returns the new version; missing path → 400 naming path', () => {
  const { origin } = setup();
  assert.equal(json(send(origin, 'POST', '/_admin/version?path=/a', AUTH)), { path: '/a', version: 2 });
  assert.equal(json(send(origin, 'POST', '/_admin/version?path=/a', AUTH)), { path: '/a', version: 3 });
  assert.ok(text(get(origin, '/a')).startsWith('path=/a version=3\n'));
  const bad = send(origin, 'POST', '/_admin/version', AUTH);
  assert.is(bad.status, 400);
  assert.ok(String(json(bad)['error']).startsWith('path:'));
});

const badFailureBodies: Array<[body: string, message: string]> = [
  ['{"mode":"broken"}', 'mode: expected one of ok, error, refuse, hang'],
  ['{}', 'mode: required; expected one of ok, error, refuse, hang'],
  ['{"mode":"error","status":200}', 'status: expected integer to be greater or equal to 400'],
  ['{"mode":"ok","failureRate":2}', 'failureRate: expected number to be less or equal to 1'],
  ['{"mode":"ok","extra":1}', 'extra: unexpected property'],
  ['[]', 'body: expected object'],
  ['{not json', 'body: not valid JSON'],
  ['', 'body: expected a JSON object, got an empty body'],
];

for (const [body, message] of badFailureBodies) {
  test(`admin failure body ${body || '(empty)'} → 400 "${message}"`, () => {
    const { origin } = setup();
    const res = send(origin, 'POST', '/_admin/failure', AUTH, body);
    assert.is(res.status, 400);
    assert.ok(String(json(res)['error']).startsWith(message), text(res));
  });
}

test('admin: unknown endpoint 404, wrong method 405', () => {
  const { origin } = setup();
  assert.is(send(origin, 'POST', '/_admin/nope', AUTH).status, 404);
  const res = send(origin, 'GET', '/_admin/failure', AUTH);
  assert.is(res.status, 405);
  assert.is(h(res, 'allow'), 'POST');
});

test('admin reset: versions and stats start over', () => {
  const { origin } = setup();
  send(origin, 'POST', '/a');
  get(origin, '/a');
  send(origin, 'POST', '/_admin/reset', AUTH);
  assert.equal(origin.stats(), { requests: 0, paths: {}, methods: {} });
  assert.ok(text(get(origin, '/a')).startsWith('path=/a version=1\n'));
});

// --- stats -----------------------------------------------------------------------------------

test('stats count object requests by pathname and method, not /_stats or /_admin', () => {
  const { origin } = setup();
  get(origin, '/a?size=1');
  get(origin, '/a?size=2');
  send(origin, 'HEAD', '/b');
  send(origin, 'POST', '/a');
  get(origin, '/_stats');
  send(origin, 'POST', '/_admin/version?path=/c', AUTH);
  send(origin, 'POST', '/_admin/version?path=/c', {});
  const res = get(origin, '/_stats');
  assert.is(res.status, 200);
  assert.is(h(res, 'cache-control'), 'no-store');
  const expected = { requests: 4, paths: { '/a': 3, '/b': 1 }, methods: { GET: 2, HEAD: 1, POST: 1 } };
  assert.equal(json(res), expected);
  assert.equal(origin.stats(), expected);
});

// --- failure injection -----------------------------------------------------------------------

test('failure mode error: every object request gets the status (503 default), admin and stats unaffected', () => {
  const { origin } = setup();
  assert.is(send(origin, 'POST', '/_admin/failure', AUTH, '{"mode":"error"}').status, 200);
  assert.is(get(origin, '/a').status, 503);
  assert.is(send(origin, 'POST', '/a').status, 503);
  assert.equal(json(get(origin, '/a')), { error: 'injected failure' });
  assert.is(get(origin, '/_stats').status, 200);
  assert.equal(json(send(origin, 'POST', '/_admin/failure', AUTH, '{"mode":"error","status":500}')), { mode: 'error', status: 500, failureRate: 0 });
  assert.is(get(origin, '/a').status, 500);
  send(origin, 'POST', '/_admin/failure', AUTH, '{"mode":"ok"}');
  assert.is(get(origin, '/a').status, 200);
  assert.ok(text(get(origin, '/a')).startsWith('path=/a version=1\n'), 'a failed POST did not bump');
});

test('failure mode refuse → action refuse; hang → an hour of delay', () => {
  const { origin } = setup();
  send(origin, 'POST', '/_admin/failure', AUTH, '{"mode":"refuse"}');
  assert.is(get(origin, '/a').action, 'refuse');
  send(origin, 'POST', '/_admin/failure', AUTH, '{"mode":"hang"}');
  const hung = get(origin, '/a');
  assert.is(hung.delayMs, HANG_DELAY_MS);
  assert.is(hung.status, 503);
  assert.is(hung.action, undefined);
});

test('config failureRate draws once per object request and fails below the rate', () => {
  const { origin, randomDraws } = setup({ failureRate: 0.5 }, [0.1, 0.9, 0.49, 0.5]);
  assert.equal(
    [get(origin, '/a'), get(origin, '/a'), get(origin, '/a'), get(origin, '/a')].map((r) => r.status),
    [503, 200, 503, 200],
  );
  assert.is(randomDraws(), 4);
  get(origin, '/_stats');
  assert.is(randomDraws(), 4, '/_stats does not draw');
});

test('failureRate 0 never draws; fail=1 forces one error; admin failureRate replaces the config rate', () => {
  const { origin, randomDraws } = setup({}, [0.2]);
  assert.is(get(origin, '/a').status, 200);
  assert.is(randomDraws(), 0);
  assert.is(get(origin, '/a?fail=1').status, 503);
  send(origin, 'POST', '/_admin/failure', AUTH, '{"mode":"ok","failureRate":0.25,"status":502}');
  assert.is(get(origin, '/a').status, 502);
  assert.is(randomDraws(), 1);
});

test('failure responses keep the request latency', () => {
  const { origin } = setup({ latencyMs: 40 });
  send(origin, 'POST', '/_admin/failure', AUTH, '{"mode":"error"}');
  assert.is(get(origin, '/a').delayMs, 40);
  assert.is(get(origin, '/a?latency=7').delayMs, 7);
});

test('paths are objects by pathname: dot segments and queries name the same object', () => {
  const { origin } = setup();
  send(origin, 'POST', '/x/../a');
  assert.ok(text(get(origin, '/a?q=1')).startsWith('path=/a version=2\n'));
  assert.equal(origin.stats().paths, { '/a': 2 });
});

test('IMF-fixdate formatting matches the RFC 9110 §5.6.7 example', () => {
  assert.is(formatHttpDate(Date.UTC(1994, 10, 6, 8, 49, 37)), 'Sun, 06 Nov 1994 08:49:37 GMT');
});

test.run();
