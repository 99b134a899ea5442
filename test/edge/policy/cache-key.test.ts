import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { primaryKey } from '../../../edge/policy/cache-key.js';

const rows: Array<{ why: string; host: string | undefined; target: string; expected: string | undefined }> = [
  { why: 'RFC 9111 §2: key is host plus target', host: 'example.com', target: '/a', expected: 'example.com/a' },
  { why: 'RFC 3986 §6.2.2.1: host is case-insensitive', host: 'ExAmple.COM', target: '/a', expected: 'example.com/a' },
  { why: 'RFC 3986 §6.2.3: the default port :80 is dropped', host: 'example.com:80', target: '/a', expected: 'example.com/a' },
  { why: 'RFC 3986 §6.2.3: a non-default port is kept', host: 'example.com:8080', target: '/a', expected: 'example.com:8080/a' },
  { why: 'RFC 3986 §6.2.3: :80 on an IPv6 literal is dropped', host: '[::1]:80', target: '/a', expected: '[::1]/a' },
  { why: 'RFC 9112 §3.2: under keyHost request a missing Host names no key', host: undefined, target: '/a', expected: undefined },
  { why: 'RFC 9110 §7.2: a Host with a path names no key (it would file /x/a under host/x)', host: 'h/x', target: '/a', expected: undefined },
  { why: 'RFC 9110 §7.2: a Host with userinfo names no key', host: 'u@h', target: '/a', expected: undefined },
  { why: 'RFC 3986 §6.2.2.1: path case is significant', host: 'h', target: '/A', expected: 'h/A' },
  { why: 'RFC 3986 §6.2.2.1: percent-encoding hex is upper-cased (%2f → %2F)', host: 'h', target: '/a%2fb', expected: 'h/a%2Fb' },
  { why: 'RFC 3986 §6.2.2.1: multi-byte percent-encoding is upper-cased, not decoded', host: 'h', target: '/caf%c3%a9', expected: 'h/caf%C3%A9' },
  { why: 'RFC 3986 §6.2.2.2: %7e decodes to the unreserved ~', host: 'h', target: '/%7euser', expected: 'h/~user' },
  { why: 'RFC 3986 §6.2.2.2: %7E decodes to the unreserved ~', host: 'h', target: '/%7Euser', expected: 'h/~user' },
  { why: 'RFC 3986 §6.2.2.2: %41 decodes to A, %2D to -', host: 'h', target: '/%41%2D', expected: 'h/A-' },
  { why: 'RFC 3986 §6.2.2.2: reserved %3F stays encoded', host: 'h', target: '/a%3fb', expected: 'h/a%3Fb' },
  { why: 'RFC 3986 §6.2.2.3: /./ is removed', host: 'h', target: '/a/./b', expected: 'h/a/b' },
  { why: 'RFC 3986 §6.2.2.3: /b/../ removes the previous segment', host: 'h', target: '/a/b/../c', expected: 'h/a/c' },
  { why: 'RFC 3986 §6.2.2.3: .. above the root stays at the root', host: 'h', target: '/../a', expected: 'h/a' },
  { why: 'RFC 3986 §6.2.2.3: trailing /.. leaves a trailing slash', host: 'h', target: '/a/..', expected: 'h/' },
  { why: 'RFC 3986 §6.2.2.3: trailing /. leaves a trailing slash', host: 'h', target: '/a/.', expected: 'h/a/' },
  { why: 'encoded dot segments have no single meaning: no key (the edge answers 400)', host: 'h', target: '/a/%2e%2E/b', expected: undefined },
  { why: 'RFC 3986 §6.2.2.2: an encoded dot inside a segment is decoded', host: 'h', target: '/a%2Eb', expected: 'h/a.b' },
  { why: 'a backslash has no single meaning: no key', host: 'h', target: '/a\\..\\b', expected: undefined },
  { why: 'RFC 3986 §6.2.2.3: a trailing slash is significant', host: 'h', target: '/a/b/', expected: 'h/a/b/' },
  { why: 'RFC 9111 §2: the query is preserved as is', host: 'h', target: '/a?b=1&c=2', expected: 'h/a?b=1&c=2' },
  { why: 'RFC 9111 §2: query parameters are not reordered', host: 'h', target: '/a?c=2&b=1', expected: 'h/a?c=2&b=1' },
  { why: 'RFC 3986 §5.2.4: dot segments in the query are not removed', host: 'h', target: '/p/../q?x=/./y', expected: 'h/q?x=/./y' },
  { why: 'RFC 3986 §6.2.2: percent-encoding in the query is normalised', host: 'h', target: '/a?x=%7e%2f', expected: 'h/a?x=~%2F' },
  { why: 'RFC 9111 §2: an empty query is kept distinct from none', host: 'h', target: '/a?', expected: 'h/a?' },
];

for (const row of rows) {
  test(row.why, () => {
    assert.is(primaryKey('request', row.host, row.target), row.expected);
  });
}

const equivalent: Array<{ why: string; a: [string, string]; b: [string, string]; same: boolean }> = [
  { why: 'RFC 3986 §6.2.2: equivalent spellings share one key', a: ['Example.com:80', '/%7Ea/./b'], b: ['example.com', '/~a/b'], same: true },
  { why: 'RFC 3986 §6.2.2: different queries are different keys', a: ['h', '/a?x=1'], b: ['h', '/a?x=2'], same: false },
  { why: 'RFC 3986 §6.2.2: different ports are different keys', a: ['h:8080', '/a'], b: ['h', '/a'], same: false },
];

for (const row of equivalent) {
  test(row.why, () => {
    assert.is(primaryKey('request', ...row.a) === primaryKey('request', ...row.b), row.same);
  });
}

test('keyHost origin: the Host never changes the key', () => {
  assert.is(primaryKey('origin', 'evil.example/x', '/a'), '/a');
  assert.is(primaryKey('origin', undefined, '/%7Ea'), '/~a');
});

test.run();
