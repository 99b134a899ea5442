/**
 * The push envelope decoder (handover.ts decodePush) as a table: what a receiver may store from a
 * peer's `{status, headers, body}`. Names are tokens, lower-cased; values are field-content bytes
 * only (RFC 9110 §5.5: VCHAR, SP, HTAB, obs-text), so nothing stored can split a response head;
 * framing, hop-by-hop (RFC 9110 §7.6.1) and internal fields are dropped; a varying answer is refused.
 * The copy's surrogate keys travel beside the fields (`surrogateKeys`), one key per string.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodePush, encodePush } from '../../../edge/pipeline/handover.js';

const BODY = Buffer.from('hello').toString('base64');

function raw(envelope: unknown): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

function decode(status: number, headers: Array<[string, string]>, body = BODY) {
  return decodePush(raw({ status, headers, body }));
}

const REFUSED: Array<[string, number, Array<[string, string]>, string?]> = [
  ['CR LF from U+010D U+010A (0D 0A in latin1)', 200, [['x', 'a\u010d\u010aSet-Cookie: s=evil']]],
  ['a literal CR LF', 200, [['x', 'a\r\nSet-Cookie: s=evil']]],
  ['a lone LF', 200, [['x', 'a\nb']]],
  ['NUL', 200, [['x', 'a\0b']]],
  ['DEL', 200, [['x', 'a\x7fb']]],
  ['a C0 control', 200, [['x', 'a\x01b']]],
  ['a code point above 0xFF', 200, [['x', 'caf\u20ac']]],
  ['a name that is not a token (space)', 200, [['x y', '1']]],
  ['a name that is not a token (colon)', 200, [['x:y', '1']]],
  ['an empty name', 200, [['', '1']]],
  ['a name with CR LF', 200, [['x\r\nset-cookie', '1']]],
  ['Vary, lower case', 200, [['vary', 'accept-encoding']]],
  ['Vary, upper case', 200, [['VARY', 'accept-encoding']]],
  ['Vary, mixed case', 200, [['Vary', '*']]],
  ['status 206', 206, []],
  ['status 301', 301, []],
  ['status 404', 404, []],
  ['status 500', 500, []],
  ['status 299 (not one a cache understands)', 299, []],
  ['a body that is not base64', 200, [], 'not base64!'],
  ['a 204 with a body', 204, []],
];

for (const [label, status, headers, body] of REFUSED) {
  test(`refused: ${label}`, () => {
    const got = decode(status, headers, body);
    assert.is(got.ok, false, JSON.stringify(got));
  });
}

test('refused: too many header fields, and too many header bytes in all', () => {
  const many = Array.from({ length: 257 }, (_, i): [string, string] => [`x-${i}`, '1']);
  assert.is(decode(200, many).ok, false);
  const big = Array.from({ length: 8 }, (_, i): [string, string] => [`x-${i}`, 'v'.repeat(16_000)]);
  assert.is(decode(200, big).ok, false);
});

test('refused: not JSON, extra properties, wrong shapes', () => {
  assert.is(decodePush(Buffer.from('{')).ok, false);
  assert.is(decodePush(raw({ status: 200, headers: [], body: BODY, extra: 1 })).ok, false);
  assert.is(decodePush(raw({ status: '200', headers: [], body: BODY })).ok, false);
  assert.is(decodePush(raw({ status: 200, headers: [['x']], body: BODY })).ok, false);
});

const SANITIZED: Array<[string, Array<[string, string]>, Array<[string, string]>]> = [
  ['names lower-cased', [['Cache-Control', 'max-age=60'], ['ETag', '"a"']], [['cache-control', 'max-age=60'], ['etag', '"a"']]],
  ['Content-Length dropped (any case)', [['Content-Length', '0'], ['content-length', '99']], []],
  ['Transfer-Encoding dropped', [['Transfer-Encoding', 'chunked']], []],
  ['hop-by-hop dropped', [['Connection', 'close, x-private'], ['Keep-Alive', 'timeout=5'], ['Upgrade', 'h2c'], ['x-private', '1'], ['TE', 'trailers']], []],
  ['internal fields dropped (any case)', [['X-Edgeworks-Purge-Seq', '1'], ['x-edgeworks-peer', 'e3'], ['X-EDGEWORKS-ANYTHING', '1']], []],
  ['Cache-Status dropped (the receiver writes its own)', [['Cache-Status', 'edge; hit']], []],
  ['obs-text and HTAB kept', [['x', 'caf\u00e9\tbar']], [['x', 'caf\u00e9\tbar']]],
  ['empty values kept', [['x', '']], [['x', '']]],
];

for (const [label, headers, expected] of SANITIZED) {
  test(`sanitized: ${label}`, () => {
    const got = decode(200, headers);
    if (!got.ok) return assert.unreachable(got.message);
    assert.equal(got.headers, expected);
    assert.is(got.status, 200);
    assert.is(got.body.toString(), 'hello');
  });
}

test('accepted: 200, 203 and a 204 without a body', () => {
  assert.ok(decode(200, []).ok);
  assert.ok(decode(203, []).ok);
  assert.ok(decode(204, [], '').ok);
});

test('surrogate keys: carried beside the fields, which need not show them', () => {
  const served = { status: 200, headers: ['cache-control', 'max-age=60, no-cache="surrogate-key"', 'cache-status', 'e1; hit'], body: Buffer.from('hello'), outcome: { kind: 'hit' as const, hit: true, bytes: 5 }, surrogateKeys: ['red', 'blue'] };
  const got = decodePush(encodePush(served));
  if (!got.ok) return assert.unreachable(got.message);
  assert.equal(got.surrogateKeys, ['red', 'blue']);
  assert.equal(got.headers, [['cache-control', 'max-age=60, no-cache="surrogate-key"']]);
  const none = decodePush(encodePush({ ...served, surrogateKeys: [] }));
  assert.ok(none.ok && none.surrogateKeys === undefined, 'no keys: the receiver reads Surrogate-Key as before');
});

const BAD_KEYS: Array<[string, unknown]> = [
  ['a key with a space (keys are separated by whitespace)', ['red blue']],
  ['a key with CR LF', ['red\r\nset-cookie: s=evil']],
  ['an empty key', ['']],
  ['an empty list (the pusher sends none rather than an empty one)', []],
  ['a code point above 0xFF', ['caf\u20ac']],
  ['not a list of strings', [1]],
  ['too many keys', Array.from({ length: 1_025 }, (_, i) => `k${i}`)],
  ['too many bytes with the fields', Array.from({ length: 70 }, (_, i) => `${i}-${'k'.repeat(1_000)}`)],
];

for (const [label, surrogateKeys] of BAD_KEYS) {
  test(`refused: surrogate keys, ${label}`, () => {
    assert.is(decodePush(raw({ status: 200, headers: [], body: BODY, surrogateKeys })).ok, false);
  });
}

test.run();
