import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyForUrl, splitUrlValue } from '../../../edge/control/purge-keys.js';
import { primaryKey } from '../../../edge/policy/cache-key.js';

const byRequestHost = (host: string, target: string) => primaryKey('request', host, target);
const byOrigin = (host: string, target: string) => primaryKey('origin', host, target);

const rows: Array<{ why: string; value: string; request: string | undefined; origin: string | undefined }> = [
  { why: 'host/path names the key a request for it is stored under', value: 'a.example/x', request: 'a.example/x', origin: '/x' },
  { why: 'an absolute URL likewise, host canonical', value: 'HTTPS://A.Example:80/x?q=1', request: 'a.example/x?q=1', origin: '/x?q=1' },
  { why: 'RFC 9112 §3.2.2: an absolute URL without a path names the root', value: 'https://a.example', request: 'a.example/', origin: '/' },
  { why: 'a query without a path is on the root', value: 'a.example?x', request: 'a.example/?x', origin: '/?x' },
  { why: 'RFC 3986 §6.2.2: every spelling of one URL names one key', value: 'a.example/p/x/../%7ea', request: 'a.example/p/~a', origin: '/p/~a' },
  { why: 'reserved %2F stays encoded, as in requests', value: 'a.example/a%2fb', request: 'a.example/a%2Fb', origin: '/a%2Fb' },
  { why: 'no WHATWG rewriting: a backslash names nothing (such requests are refused)', value: 'https://a.example/a\\..\\b', request: undefined, origin: undefined },
  { why: 'no WHATWG rewriting: an encoded dot segment names nothing', value: 'https://a.example/a/%2e%2e/b', request: undefined, origin: undefined },
  { why: 'a Host no request could carry names nothing under keyHost request', value: 'u@a.example/x', request: undefined, origin: '/x' },
  { why: 'a bare host names nothing', value: 'a.example', request: undefined, origin: undefined },
];

for (const row of rows) {
  test(row.why, () => {
    assert.is(keyForUrl(row.value, byRequestHost), row.request, 'keyHost request');
    assert.is(keyForUrl(row.value, byOrigin), row.origin, 'keyHost origin');
  });
}

test('splitUrlValue keeps the target bytes for canonicalization to judge', () => {
  assert.equal(splitUrlValue('http://h/a%2e%2E/b'), { host: 'h', target: '/a%2e%2E/b' });
});

test.run();
