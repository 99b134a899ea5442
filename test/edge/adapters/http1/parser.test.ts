/** The strict request-head parser: what it accepts, and each rejection RFC 9112 lets a server make. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { PROPERTY_SEED } from '../../property-settings.js';
import { FieldLineMemo } from '../../../../edge/adapters/http1/field-line-memo.js';
import { hasListToken, parseRequestHead, type HeadResult } from '../../../../edge/adapters/http1/parser.js';
import { headerObject } from '../../../../edge/pipeline/incoming-request.js';

const parse = (text: string): HeadResult => parseRequestHead(Buffer.from(text, 'latin1'));

function head(text: string) {
  const r = parse(text);
  if (r.kind !== 'head') throw new Error(`expected a head, got ${JSON.stringify(r)}`);
  return r;
}

function rejected(text: string, status: number, reason?: RegExp): void {
  const r = parse(text);
  assert.is(r.kind, 'reject', `${JSON.stringify(text)} should be rejected`);
  if (r.kind === 'reject') {
    assert.is(r.rejection.status, status, `${JSON.stringify(text)}: ${r.rejection.reason}`);
    if (reason !== undefined) assert.match(r.rejection.reason, reason);
  }
}

test('a GET head: method, target, lower-cased names, trimmed values, consumed bytes', () => {
  const text = 'GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Thing:  v  1 \t\r\n\r\nNEXT';
  const r = head(text);
  assert.is(r.head.method, 'GET');
  assert.is(r.head.target, '/a?b=1');
  assert.is(r.head.minorVersion, 1);
  assert.equal({ ...r.head.headers }, { host: 'x', 'x-thing': 'v  1' });
  assert.equal(r.head.framing, { kind: 'none' });
  assert.ok(r.head.keepAlive);
  assert.is(r.consumed, text.length - 4);
});

test('incomplete until the empty line arrives, at every split point', () => {
  const text = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
  for (let i = 0; i < text.length; i++) assert.is(parse(text.slice(0, i)).kind, 'incomplete', `prefix ${i}`);
  assert.is(parse(text).kind, 'head');
});

test('framing: Content-Length, chunked, zero length', () => {
  assert.equal(head('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n').head.framing, { kind: 'length', bytes: 12 });
  assert.equal(head('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n').head.framing, { kind: 'chunked' });
  assert.equal(head('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n').head.framing, { kind: 'none' });
});

const tokenRows: Array<[string, string, boolean]> = [
  ['close', 'close', true],
  [' close ', 'close', true],
  ['\tclose', 'close', true],
  ['foo, close', 'close', true],
  ['close,foo', 'close', true],
  ['foo,,close ,', 'close', true],
  ['closed', 'close', false],
  ['xclose', 'close', false],
  ['not-close, closer', 'close', false],
  ['clo se', 'close', false],
  ['', 'close', false],
  ['keep-alive', 'keep-alive', true],
  ['keep-alive-ish, keep-alive', 'keep-alive', true],
  ['upgrade,keep-alive2', 'keep-alive', false],
];
for (const [value, token, expected] of tokenRows) {
  test(`Connection ${JSON.stringify(value)} has ${token}: ${expected} (RFC 9110 §5.6.1 list, §7.6.1)`, () => {
    assert.is(hasListToken(value, token), expected);
  });
}

test('hasListToken agrees with splitting on commas and trimming SP and HTAB, for any list of tokens and whitespace', () => {
  const unit = fc.constantFrom(...'clos ekp-a,\t'.split(''));
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 30 }), fc.constantFrom('close', 'keep-alive'), (value, token) => {
      const reference = value.split(',').map((t) => t.replace(/^[ \t]+|[ \t]+$/g, '')).includes(token);
      return hasListToken(value, token) === reference;
    }),
    { numRuns: 2000, seed: PROPERTY_SEED },
  );
});

test('keep-alive: HTTP/1.1 unless close; HTTP/1.0 only with keep-alive', () => {
  assert.ok(head('GET / HTTP/1.1\r\nHost: x\r\n\r\n').head.keepAlive);
  assert.not.ok(head('GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, Close\r\n\r\n').head.keepAlive);
  assert.not.ok(head('GET / HTTP/1.0\r\n\r\n').head.keepAlive);
  assert.ok(head('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').head.keepAlive);
});

test('Expect: 100-continue is noted; any other expectation is a 417', () => {
  assert.ok(head('PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n').head.expectContinue);
  rejected('PUT / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n', 417);
});

test('leading empty lines before the request line are skipped (RFC 9112 §2.2)', () => {
  assert.is(head('\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n').head.target, '/');
});

test('rejected with 400: obs-fold, whitespace before colon, bare CR, bare LF, bad tokens, controls', () => {
  rejected('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n', 400, /obs-fold/);
  rejected('GET / HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n', 400, /whitespace before colon/);
  rejected('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r2\r\n\r\n', 400, /bare CR/);
  rejected('GET / HTTP/1.1\nHost: x\r\n\r\n', 400, /bare LF/);
  rejected('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\n\r\n\r\n', 400, /bare LF/);
  rejected('G(T / HTTP/1.1\r\nHost: x\r\n\r\n', 400, /method/);
  rejected('GET / HTTP/1.1\r\nHost: x\r\nX@A: 1\r\n\r\n', 400, /header name/);
  rejected('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\x002\r\n\r\n', 400, /header value/);
  rejected('GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n', 400, /target/);
  rejected('GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 400);
  rejected('GET  / HTTP/1.1\r\nHost: x\r\n\r\n', 400);
  rejected('GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n', 400);
  rejected('GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n', 400);
  rejected('GET / http/1.1\r\nHost: x\r\n\r\n', 400);
  rejected('GET a/b HTTP/1.1\r\nHost: x\r\n\r\n', 400, /target/);
  rejected('GET * HTTP/1.1\r\nHost: x\r\n\r\n', 400, /target/);
  assert.is(head('GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\n\r\n').head.target, 'http://a.test/x');
});

test('methods node:http does not know are 501, CONNECT too; a lower-case method is another method', () => {
  rejected('FROB / HTTP/1.1\r\nHost: x\r\n\r\n', 501);
  assert.is(head('M-SEARCH /x HTTP/1.1\r\nHost: x\r\n\r\n').head.method, 'M-SEARCH');
  rejected('CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', 501);
  rejected('get / HTTP/1.1\r\nHost: x\r\n\r\n', 501);
  assert.is(head('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n').head.target, '*');
  assert.is(head('PURGE /x HTTP/1.1\r\nHost: x\r\n\r\n').head.method, 'PURGE');
});

test('rejected: framing conflicts, repeated Content-Length, bad lengths, unknown codings', () => {
  rejected('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400, /Content-Length with Transfer-Encoding/);
  rejected('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400, /repeated Content-Length/);
  rejected('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n', 400, /repeated Content-Length/);
  rejected('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\n', 400, /invalid Content-Length/);
  rejected('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400);
  rejected('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n', 400);
  rejected('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501);
  rejected('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 501);
  rejected('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400);
});

test('rejected: Host missing or repeated on HTTP/1.1; other versions', () => {
  rejected('GET / HTTP/1.1\r\n\r\n', 400, /missing Host/);
  rejected('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, /repeated Host/);
  rejected('GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505);
  rejected('GET / HTTP/1.1 \r\nHost: a\r\n\r\n', 400);
});

test('bounded: head bytes and field count are 431, whether or not the head is complete', () => {
  const limits = { maxHeadBytes: 200, maxHeaderCount: 3 };
  const big = `GET / HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(300)}`;
  const r1 = parseRequestHead(Buffer.from(big), limits);
  assert.is(r1.kind === 'reject' && r1.rejection.status, 431);
  const many = 'GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n';
  const r2 = parseRequestHead(Buffer.from(many), limits);
  assert.is(r2.kind === 'reject' && r2.rejection.status, 431);
  assert.is(parseRequestHead(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n'), limits).kind, 'head');
});

test('bounded: leading empty lines count toward the head limit (RFC 9112 §2.2 allows skipping them, not forever)', () => {
  const limits = { maxHeadBytes: 200, maxHeaderCount: 3 };
  const r1 = parseRequestHead(Buffer.from('\r\n'.repeat(101)), limits);
  assert.is(r1.kind === 'reject' && r1.rejection.status, 431);
  const r2 = parseRequestHead(Buffer.from(`${'\r\n'.repeat(95)}GET / HTTP/1.1\r\nHost: x\r\n\r\n`), limits);
  assert.is(r2.kind === 'reject' && r2.rejection.status, 431);
  const r3 = parseRequestHead(Buffer.from('\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'), limits);
  assert.is(r3.kind, 'head');
});

test('bounded: a head of exactly maxHeadBytes parses, one byte more is 431, complete or not; the end is found across any split', () => {
  const limits = { maxHeadBytes: 200, maxHeaderCount: 10 };
  const headOf = (bytes: number): string => {
    const start = 'GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ';
    return `${start}${'p'.repeat(bytes - start.length - 4)}\r\n\r\n`;
  };
  const exact = headOf(200);
  assert.is(exact.length, 200);
  const ok = parseRequestHead(Buffer.from(`${exact}GET /next`), limits);
  assert.ok(ok.kind === 'head' && ok.consumed === 200 && ok.head.headers['x-pad'] === 'p'.repeat(164));
  const over = parseRequestHead(Buffer.from(headOf(201)), limits);
  assert.is(over.kind === 'reject' && over.rejection.status, 431);
  for (let cut = 1; cut < exact.length; cut++) assert.is(parseRequestHead(Buffer.from(exact.slice(0, cut)), limits).kind, 'incomplete', `cut at ${cut}`);
  assert.is(parseRequestHead(Buffer.from(`${'x'.repeat(10)}`), limits).kind, 'incomplete');
  assert.is(parseRequestHead(Buffer.from(`GET /${'a'.repeat(300)}`), limits).kind, 'reject');
});

test('a head longer than the first 4 KiB looked at parses the same, and what follows it is left', () => {
  const pad = 'p'.repeat(5000);
  const text = `GET /long HTTP/1.1\r\nHost: x\r\nX-Pad: ${pad}\r\nX-Last: 1\r\n\r\nGET /next`;
  const r = head(text);
  assert.equal({ ...r.head.headers }, { host: 'x', 'x-pad': pad, 'x-last': '1' });
  assert.is(r.consumed, text.length - 'GET /next'.length);
});

test('a bad field anywhere in a complete many-field head is named, whichever line it is on', () => {
  const fields = Array.from({ length: 15 }, (_v, i) => `X-Field-${i}: value ${i}\r\n`);
  for (let at = 0; at < fields.length; at++) {
    const withBad = (bad: string): string => `GET / HTTP/1.1\r\nHost: x\r\n${fields.map((f, i) => (i === at ? bad : f)).join('')}\r\n`;
    rejected(withBad('X-Bad: a\x01b\r\n'), 400, /invalid header value/);
    rejected(withBad('X-Bad: a\x7fb\r\n'), 400, /invalid header value/);
    rejected(withBad('X-B(d: 1\r\n'), 400, /invalid header name/);
    rejected(withBad('X-Bad : 1\r\n'), 400, /whitespace before colon/);
    rejected(withBad(' folded\r\n'), 400, /obs-fold/);
    rejected(withBad('X-Bad: 1\n'), 400, /bare LF/);
    rejected(withBad('X-Bad: 1\r2\r\n'), 400, /bare CR/);
    rejected(withBad('NoColon\r\n'), 400, /without a colon/);
  }
  // Mixed case names come out lower-cased; obs-text in a value is allowed (RFC 9110 §5.5).
  const ok = head('GET / HTTP/1.1\r\nHOST: x\r\nUser-Agent: caf\xe9\r\n\r\n');
  assert.equal({ ...ok.head.headers }, { host: 'x', 'user-agent': 'caf\xe9' });
});

test('the version is read from its bytes: HTTP/1.0 and HTTP/1.1 only; other digits 505; anything else 400', () => {
  const limits = { maxHeadBytes: 200, maxHeaderCount: 10 };
  const v = (version: string) => parseRequestHead(Buffer.from(`GET / ${version}\r\nHost: x\r\n\r\n`), limits);
  const zero = v('HTTP/1.0');
  const one = v('HTTP/1.1');
  assert.ok(zero.kind === 'head' && zero.head.minorVersion === 0);
  assert.ok(one.kind === 'head' && one.head.minorVersion === 1);
  for (const bad of ['HTTP/1.2', 'HTTP/1.9', 'HTTP/0.9', 'HTTP/2.0']) assert.is((v(bad) as { rejection?: { status: number } }).rejection?.status, 505, bad);
  for (const bad of ['HTTP/1.', 'HTTP/1.11', 'http/1.1', 'HTTP/1.x', 'HTTP/11', 'HTTP/1.1x', 'XTTP/1.1']) assert.is((v(bad) as { rejection?: { status: number } }).rejection?.status, 400, bad);
});

test('the header object: what node:http makes of the same fields, whether a repeat or an uncommon name comes first, last or not at all', () => {
  const cases: Array<Array<[string, string]>> = [
    [['Host', 'x'], ['Accept', 'a'], ['Cookie', 'c']],
    // A repeat in any spelling, after distinct names: Accept combined as 'a, b'.
    [['Host', 'x'], ['Accept', 'a'], ['ACCEPT', 'b']],
    // Names on both sides of DistinctCommonNames' two 30-name sets.
    [['Host', 'x'], ['X-Request-Id', '1'], ['X-Request-Id', '2']],
    [['Host', 'x'], ['X-Request-Id', '1'], ['Accept', '2']],
    // Uncommon names (set-cookie among them) first and last; first-only and joined-with-'; ' fields.
    [['X-Mine', '1'], ['Host', 'x'], ['User-Agent', 'u1'], ['User-Agent', 'u2'], ['Cookie', 'a=1'], ['Cookie', 'b=2']],
    [['Host', 'x'], ['Set-Cookie', '1'], ['Set-Cookie', '2'], ['Accept', 'a'], ['accept', 'b']],
    [['Host', 'x'], ['Accept', 'a'], ['__proto__', 'p'], ['Accept', 'b']],
  ];
  for (const fields of cases) {
    const text = `GET / HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
    const expected = headerObject(fields.map(([n, v]) => [n.toLowerCase(), v] as const));
    const got = head(text).head.headers;
    assert.equal({ ...got }, { ...expected }, text);
    assert.equal(Object.keys(got), Object.keys(expected), text);
    assert.is(Object.getPrototypeOf(Object.getPrototypeOf(got)), null);
    // The same through a connection's memo, the second and third time (lines reused).
    const memo = new FieldLineMemo();
    for (let i = 0; i < 3; i++) {
      const viaMemo = (parseRequestHead(Buffer.from(text, 'latin1'), undefined, memo) as { head: { headers: object } }).head.headers;
      assert.equal({ ...viaMemo }, { ...expected }, `${text} with the memo, ${i}`);
      assert.equal(Object.keys(viaMemo), Object.keys(expected), `${text} with the memo, ${i}: field order`);
    }
  }
});

test.run();
