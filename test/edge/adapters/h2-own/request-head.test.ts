/** RFC 9113 §8 request checks of the own HTTP/2 layer (request-head.ts), as a table. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requestHead } from '../../../../edge/adapters/h2/own/request-head.js';

const GET = [':method', 'GET', ':scheme', 'https', ':authority', 'a.example', ':path', '/x'];

const MALFORMED: [string, string[]][] = [
  ['§8.3 pseudo-field after a regular field', [':method', 'GET', 'accept', '*/*', ':scheme', 'https', ':path', '/']],
  ['§8.3 unknown pseudo-field', [...GET, ':protocol', 'websocket']],
  ['§8.3 response pseudo-field in a request', [...GET, ':status', '200']],
  ['§8.3.1 :method twice', [...GET, ':method', 'POST']],
  ['§8.3.1 :method missing', [':scheme', 'https', ':path', '/']],
  ['§8.3.1 :scheme missing', [':method', 'GET', ':path', '/']],
  ['§8.3.1 :path missing', [':method', 'GET', ':scheme', 'https']],
  ['§8.3.1 :path empty', [':method', 'GET', ':scheme', 'https', ':path', '']],
  ['§8.5 CONNECT with :path', [':method', 'CONNECT', ':authority', 'a.example:443', ':path', '/']],
  ['§8.5 CONNECT without :authority', [':method', 'CONNECT']],
  ['§8.2.1 uppercase name', [...GET, 'Accept', '*/*']],
  ['§8.2.1 name with a space', [...GET, 'x y', '1']],
  ['§8.2.1 empty name', [...GET, '', '1']],
  ['§8.2.1 value with NUL', [...GET, 'x-a', 'a\u0000b']],
  ['§8.2.1 value with CR', [...GET, 'x-a', 'a\rb']],
  // RFC 9110 §5.5: other control characters are invalid too; the HTTP/1.1 parser refuses them, and
  // one let through reached undici, which would not send it, and the owner it was for was made suspect.
  ['RFC 9110 §5.5 value with SOH', [...GET, 'x-a', 'a\u0001b']],
  ['RFC 9110 §5.5 value with DEL', [...GET, 'x-a', 'a\u007fb']],
  ['RFC 9110 §5.5 value with ESC', [...GET, 'x-a', '\u001b[0m']],
  ['§8.2.1 value with leading space', [...GET, 'x-a', ' a']],
  ['§8.2.1 value with trailing tab', [...GET, 'x-a', 'a\t']],
  ['§8.2.2 Connection', [...GET, 'connection', 'close']],
  ['§8.2.2 Keep-Alive', [...GET, 'keep-alive', 'timeout=5']],
  ['§8.2.2 Proxy-Connection', [...GET, 'proxy-connection', 'keep-alive']],
  ['§8.2.2 Transfer-Encoding', [...GET, 'transfer-encoding', 'chunked']],
  ['§8.2.2 Upgrade', [...GET, 'upgrade', 'h2c']],
  ['§8.2.2 TE other than trailers', [...GET, 'te', 'gzip']],
  ['RFC 9110 §8.6 Content-Length not a number', [...GET, 'content-length', '1e3']],
  ['RFC 9110 §8.6 two different Content-Length values', [...GET, 'content-length', '3', 'content-length', '4']],
];

for (const [name, fields] of MALFORMED) {
  test(`malformed: ${name}`, () => {
    const r = requestHead(fields);
    assert.ok('malformed' in r, JSON.stringify(r));
  });
}

test('a value may hold a tab inside and obs-text (RFC 9110 §5.5)', () => {
  const r = requestHead([...GET, 'x-a', 'a\tb', 'x-b', 'caf\u00e9']);
  assert.not.ok('malformed' in r, JSON.stringify(r));
});

test('a well-formed GET: method, path, node:http2\'s header object', () => {
  const r = requestHead([...GET, 'accept', 'a', 'accept', 'b', 'cookie', 'x=1', 'cookie', 'y=2', 'user-agent', 'u1', 'user-agent', 'u2', 'set-cookie', 's1', 'set-cookie', 's2', 'te', 'trailers']);
  assert.not.ok('malformed' in r);
  if ('malformed' in r) return;
  assert.is(r.method, 'GET');
  assert.is(r.path, '/x');
  assert.equal({ ...r.headers }, {
    ':method': 'GET', ':scheme': 'https', ':authority': 'a.example', ':path': '/x',
    accept: 'a, b', cookie: 'x=1; y=2', 'user-agent': 'u1', 'set-cookie': ['s1', 's2'], te: 'trailers',
  });
  assert.is(r.contentLength, undefined);
});

test('CONNECT carries :authority only; the same Content-Length twice is one', () => {
  const c = requestHead([':method', 'CONNECT', ':authority', 'a.example:443']);
  assert.ok(!('malformed' in c) && c.path === undefined);
  const p = requestHead([':method', 'POST', ':scheme', 'https', ':path', '/u', 'content-length', '12', 'content-length', '12']);
  assert.ok(!('malformed' in p) && p.contentLength === 12);
});

test.run();
