import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalHost, parseRequestTarget, type ParsedTarget } from '../../../edge/policy/request-target.js';

/** Each class of target and what the edge does with it: the table in README "Cache keys and request targets". */
const rows: Array<{ why: string; target: string; expected: ParsedTarget }> = [
  { why: 'RFC 9112 §3.2.1: a canonical origin-form target is served as is', target: '/a/b?x=1', expected: { form: 'origin', target: '/a/b?x=1' } },
  { why: 'RFC 3986 §6.2.2.1: percent-encoding hex is upper-cased', target: '/a%2fb', expected: { form: 'origin', target: '/a%2Fb' } },
  { why: 'RFC 3986 §6.2.2.2: %7E decodes to ~', target: '/%7euser', expected: { form: 'origin', target: '/~user' } },
  { why: 'RFC 3986 §2.2: reserved %2F stays encoded', target: '/a%2Fb', expected: { form: 'origin', target: '/a%2Fb' } },
  { why: 'RFC 3986 §6.2.2.3: /./ is removed', target: '/a/./b', expected: { form: 'origin', target: '/a/b' } },
  { why: 'RFC 3986 §6.2.2.3: /x/../ is removed', target: '/a/x/../b', expected: { form: 'origin', target: '/a/b' } },
  { why: 'RFC 3986 §5.2.4: .. above the root stays at the root', target: '/../a', expected: { form: 'origin', target: '/a' } },
  { why: 'RFC 3986 §5.2.4: a trailing /.. leaves a slash', target: '/a/..', expected: { form: 'origin', target: '/' } },
  { why: 'RFC 3986 §3.4: dot segments in the query are data', target: '/a?x=/../y', expected: { form: 'origin', target: '/a?x=/../y' } },
  { why: 'RFC 3986 §6.2.2.2: the query is percent-normalized too', target: '/a?x=%7e%2f', expected: { form: 'origin', target: '/a?x=~%2F' } },
  { why: 'RFC 3986 §6.2.2.2: a dot inside a segment may be encoded', target: '/a%2Eb', expected: { form: 'origin', target: '/a.b' } },
  { why: 'characters RFC 3986 does not allow but origins read alike are served as is', target: '/a"b|c', expected: { form: 'origin', target: '/a"b|c' } },
  { why: 'no single meaning: a backslash (WHATWG parsers read it as /)', target: '/uploads\\x/../home', expected: { form: 'invalid', reason: 'backslash' } },
  { why: 'no single meaning: an encoded backslash is fine, it stays encoded', target: '/a%5cb', expected: { form: 'origin', target: '/a%5Cb' } },
  { why: 'no single meaning: an encoded dot segment (%2e%2e)', target: '/a/%2e%2e/b', expected: { form: 'invalid', reason: 'encoded-dot-segment' } },
  { why: 'no single meaning: a half-encoded dot segment (.%2E)', target: '/a/.%2E/b', expected: { form: 'invalid', reason: 'encoded-dot-segment' } },
  { why: 'no single meaning: an encoded single dot segment', target: '/a/%2E/b', expected: { form: 'invalid', reason: 'encoded-dot-segment' } },
  { why: 'RFC 9112 §3.2: a fragment is never sent', target: '/a#frag', expected: { form: 'invalid', reason: 'fragment' } },
  { why: 'RFC 3986 §2.1: % must start a triplet', target: '/a%zz', expected: { form: 'invalid', reason: 'malformed-percent-encoding' } },
  { why: 'RFC 3986 §2.1: a truncated triplet', target: '/a%2', expected: { form: 'invalid', reason: 'malformed-percent-encoding' } },
  { why: 'RFC 3986 §2.1: a malformed triplet in the query', target: '/a?x=%g0', expected: { form: 'invalid', reason: 'malformed-percent-encoding' } },
  { why: 'RFC 9112 §3.2: a control character', target: '/a\u0001b', expected: { form: 'invalid', reason: 'control-character' } },
  { why: 'RFC 9112 §3.2: a space', target: '/a b', expected: { form: 'invalid', reason: 'control-character' } },
  { why: 'RFC 9112 §3.2: DEL', target: '/a\u007f', expected: { form: 'invalid', reason: 'control-character' } },
  { why: 'RFC 3986 §2: raw non-ASCII has no single encoding', target: '/caf\u00e9', expected: { form: 'invalid', reason: 'non-ascii' } },
  { why: 'RFC 9112 §3.2: a relative target', target: 'a/b', expected: { form: 'invalid', reason: 'not-a-path' } },
  { why: 'RFC 9112 §3.2: an empty target', target: '', expected: { form: 'invalid', reason: 'not-a-path' } },
  { why: 'RFC 9112 §3.2.4: asterisk-form', target: '*', expected: { form: 'asterisk' } },
  { why: 'RFC 9112 §3.2.2: absolute-form, authority canonical', target: 'http://Example.COM:80/a/./b', expected: { form: 'absolute', authority: 'example.com', target: '/a/b' } },
  { why: 'RFC 9112 §3.2.2: absolute-form with an empty path', target: 'http://h:8080', expected: { form: 'absolute', authority: 'h:8080', target: '/' } },
  { why: 'RFC 9112 §3.2.2: absolute-form with a query only', target: 'HTTP://h?x', expected: { form: 'absolute', authority: 'h', target: '/?x' } },
  { why: 'RFC 9110 §4.2.4: userinfo in the authority is refused', target: 'http://u:p@h/a', expected: { form: 'invalid', reason: 'invalid-authority' } },
  { why: 'RFC 9112 §3.2.2: an empty authority is refused', target: 'http:///a', expected: { form: 'invalid', reason: 'invalid-authority' } },
  { why: 'RFC 9112 §3.2.2: a backslash in an absolute-form path is refused', target: 'http://h/a\\b', expected: { form: 'invalid', reason: 'backslash' } },
  { why: 'RFC 9112 §3.2.3: authority-form (CONNECT) is not for an edge', target: 'h:443', expected: { form: 'invalid', reason: 'unsupported-scheme' } },
  { why: 'only http and https URIs are proxied', target: 'ftp://h/a', expected: { form: 'invalid', reason: 'unsupported-scheme' } },
];

for (const row of rows) {
  test(row.why, () => {
    assert.equal(parseRequestTarget(row.target), row.expected);
  });
}

test('a canonical target comes back as the very same string (no work on the hit path)', () => {
  const target = '/static/app.js?v=3';
  const parsed = parseRequestTarget(target);
  assert.ok(parsed.form === 'origin' && parsed.target === target);
});

const hosts: Array<{ why: string; host: string; expected: string | undefined }> = [
  { why: 'RFC 9110 §7.2: a plain host', host: 'example.com', expected: 'example.com' },
  { why: 'RFC 3986 §6.2.2.1: host is case-insensitive', host: 'Example.COM', expected: 'example.com' },
  { why: 'RFC 3986 §6.2.3: the default port is dropped', host: 'example.com:80', expected: 'example.com' },
  { why: 'RFC 3986 §6.2.3: an empty port is dropped', host: 'example.com:', expected: 'example.com' },
  { why: 'RFC 3986 §6.2.3: leading zeros of a port are dropped', host: 'h:08080', expected: 'h:8080' },
  { why: 'RFC 3986 §3.2.2: an IPv6 literal', host: '[::1]:8080', expected: '[::1]:8080' },
  { why: 'RFC 9110 §7.2: no path', host: 'h/x', expected: undefined },
  { why: 'RFC 9110 §7.2: no userinfo', host: 'u@h', expected: undefined },
  { why: 'RFC 9110 §7.2: no whitespace', host: 'h x', expected: undefined },
  { why: 'RFC 9110 §7.2: no query', host: 'h?x', expected: undefined },
  { why: 'RFC 3986 §3.2.3: a port out of range', host: 'h:65536', expected: undefined },
  { why: 'RFC 3986 §3.2.3: a port that is not a number', host: 'h:8o', expected: undefined },
  { why: 'RFC 9110 §7.2: empty', host: '', expected: undefined },
  { why: 'RFC 9110 §7.2: two hosts joined', host: 'a, b', expected: undefined },
];

for (const row of hosts) {
  test(row.why, () => {
    assert.is(canonicalHost(row.host), row.expected);
  });
}

test.run();
