import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RequestHeaders } from '../../../common/http.js';
import { parseVary, varyMatches, varyValues } from '../../../edge/policy/vary.js';

const parseRows: Array<{ why: string; value: string | undefined; expected: string[] | '*' }> = [
  { why: 'RFC 9111 §4.1: no Vary varies on nothing', value: undefined, expected: [] },
  { why: 'RFC 9111 §4.1: empty Vary varies on nothing', value: '', expected: [] },
  { why: 'RFC 9110 §12.5.5: Vary names are case-insensitive and lower-cased', value: 'Accept-Encoding, X-FOO', expected: ['accept-encoding', 'x-foo'] },
  { why: 'RFC 9110 §12.5.5: duplicate Vary names collapse', value: 'Accept-Encoding, accept-encoding', expected: ['accept-encoding'] },
  { why: 'RFC 9110 §5.6.1: empty list members and spaces are skipped', value: ' Foo ,, Bar ,', expected: ['foo', 'bar'] },
  { why: 'RFC 9111 §4.1: Vary: * never matches', value: '*', expected: '*' },
  { why: 'RFC 9111 §4.1: Vary: *, * never matches', value: '*, *', expected: '*' },
  { why: 'RFC 9111 §4.1: Vary: , * never matches', value: ', *', expected: '*' },
  { why: 'RFC 9111 §4.1: Vary: *, Foo never matches', value: '*, Foo', expected: '*' },
  { why: 'RFC 9111 §4.1: Vary: Foo, * never matches', value: 'Foo, *', expected: '*' },
];

for (const row of parseRows) {
  test(row.why, () => {
    assert.equal(parseVary(row.value), row.expected);
  });
}

interface MatchRow {
  why: string;
  vary: string;
  stored: RequestHeaders;
  request: RequestHeaders;
  expected: boolean;
}

const matchRows: MatchRow[] = [
  { why: 'RFC 9111 §4.1: same Accept-Encoding value matches', vary: 'Accept-Encoding', stored: { 'accept-encoding': 'gzip' }, request: { 'accept-encoding': 'gzip' }, expected: true },
  { why: 'RFC 9111 §4.1: different Accept-Encoding value does not match', vary: 'Accept-Encoding', stored: { 'accept-encoding': 'gzip' }, request: { 'accept-encoding': 'br' }, expected: false },
  { why: 'RFC 9111 §4.1: field absent in the stored request, present now: no match', vary: 'Foo', stored: {}, request: { foo: '1' }, expected: false },
  { why: 'RFC 9111 §4.1: field present in the stored request, absent now: no match', vary: 'Foo', stored: { foo: '1' }, request: {}, expected: false },
  { why: 'RFC 9111 §4.1: field absent in both requests matches', vary: 'Foo', stored: {}, request: {}, expected: true },
  { why: 'RFC 9111 §4.1: an empty field is distinct from an absent one', vary: 'Foo', stored: { foo: '' }, request: {}, expected: false },
  { why: 'RFC 9111 §4.1: several Vary fields all equal match', vary: 'Foo, Bar', stored: { foo: '1', bar: '2' }, request: { foo: '1', bar: '2' }, expected: true },
  { why: 'RFC 9111 §4.1: several Vary fields, second differs: no match', vary: 'Foo, Bar', stored: { foo: '1', bar: '2' }, request: { foo: '1', bar: '3' }, expected: false },
  { why: 'RFC 9111 §4.1: several Vary fields, one missing now: no match', vary: 'Foo, Bar, Baz', stored: { foo: '1', bar: '2', baz: '3' }, request: { foo: '1', bar: '2' }, expected: false },
  { why: 'RFC 9111 §4.1: order of Vary names does not change matching (Bar, Foo)', vary: 'Bar, Foo', stored: { foo: '1', bar: '2' }, request: { bar: '2', foo: '1' }, expected: true },
  { why: 'RFC 9111 §4.1: fields not named by Vary are not compared', vary: 'Foo', stored: { foo: '1', other: 'a' }, request: { foo: '1', other: 'b' }, expected: true },
  { why: 'RFC 9111 §4.1: whitespace around commas is normalised (a,b vs a, b)', vary: 'Foo', stored: { foo: 'a,b' }, request: { foo: 'a, b' }, expected: true },
  { why: 'RFC 9111 §4.1: extra spaces and tabs are normalised (a ,\\t b vs a, b)', vary: 'Foo', stored: { foo: 'a ,\t b' }, request: { foo: 'a, b' }, expected: true },
  { why: 'RFC 9111 §4.1: leading and trailing whitespace is normalised', vary: 'Foo', stored: { foo: '  a ' }, request: { foo: 'a' }, expected: true },
  { why: 'RFC 9111 §4.1: runs of inner spaces are normalised', vary: 'Foo', stored: { foo: 'a   b' }, request: { foo: 'a b' }, expected: true },
  { why: 'RFC 9111 §4.1: values are compared case-sensitively (GZIP vs gzip)', vary: 'Accept-Encoding', stored: { 'accept-encoding': 'GZIP' }, request: { 'accept-encoding': 'gzip' }, expected: false },
  { why: 'RFC 9111 §4.1 + RFC 9110 §5.3: multi-line values combine (a + b vs a, b)', vary: 'Foo', stored: { foo: ['a', 'b'] }, request: { foo: 'a, b' }, expected: true },
  { why: 'RFC 9111 §4.1 + RFC 9110 §5.3: multi-line order matters (b + a vs a, b)', vary: 'Foo', stored: { foo: ['b', 'a'] }, request: { foo: 'a, b' }, expected: false },
  { why: 'RFC 9111 §4.1: upper-case Vary name matches lower-case request field', vary: 'X-FOO', stored: { 'x-foo': '1' }, request: { 'x-foo': '1' }, expected: true },
];

for (const row of matchRows) {
  test(row.why, () => {
    const names = parseVary(row.vary);
    assert.ok(names !== '*');
    const storedValues = varyValues(names as string[], row.stored);
    assert.is(varyMatches(names as string[], storedValues, row.request), row.expected);
  });
}

test('RFC 9111 §4.1: varyValues normalises and keeps absent fields as undefined', () => {
  assert.equal(varyValues(['a', 'b', 'c'], { a: ' x ,y ', c: ['1', '2'] }), ['x, y', undefined, '1, 2']);
});

test.run();
