import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../../common/http.js';
import { invalidationTargets, isSafeMethod } from '../../../edge/policy/invalidation.js';

interface Row {
  why: string;
  method: string;
  status: number;
  host?: string;
  target?: string;
  headers?: HeaderList;
  expected: string[];
}

const rows: Row[] = [
  { why: 'RFC 9111 §4.4: POST 200 invalidates the target URI', method: 'POST', status: 200, expected: ['/a'] },
  { why: 'RFC 9111 §4.4: PUT 201 invalidates the target URI', method: 'PUT', status: 201, expected: ['/a'] },
  { why: 'RFC 9111 §4.4: DELETE 204 invalidates the target URI', method: 'DELETE', status: 204, expected: ['/a'] },
  { why: 'RFC 9111 §4.4: PATCH 200 invalidates the target URI', method: 'PATCH', status: 200, expected: ['/a'] },
  { why: 'RFC 9111 §4.4: unknown method M-SEARCH is unsafe and invalidates', method: 'M-SEARCH', status: 200, expected: ['/a'] },
  { why: 'RFC 9111 §4.4 + RFC 9110 §9.1: methods are case-sensitive; lower-case get is unknown, so unsafe', method: 'get', status: 200, expected: ['/a'] },
  { why: 'RFC 9111 §4.4: POST 302 (3xx) invalidates', method: 'POST', status: 302, expected: ['/a'] },
  { why: 'RFC 9111 §4.4: query is part of the invalidated target', method: 'POST', status: 200, target: '/a?x=1', expected: ['/a?x=1'] },
  { why: 'RFC 9111 §4.4: POST 303 invalidates a same-origin relative Location', method: 'POST', status: 303, headers: [['location', '/b']], expected: ['/a', '/b'] },
  { why: 'RFC 9111 §4.4: POST 200 invalidates a same-origin Content-Location', method: 'POST', status: 200, headers: [['content-location', '/c']], expected: ['/a', '/c'] },
  { why: 'RFC 9111 §4.4: Location and Content-Location both invalidated', method: 'PUT', status: 200, headers: [['location', '/b'], ['content-location', '/c']], expected: ['/a', '/b', '/c'] },
  { why: 'RFC 9111 §4.4: absolute same-origin Location is invalidated', method: 'POST', status: 201, headers: [['location', 'http://example.com/b?x=1']], expected: ['/a', '/b?x=1'] },
  { why: 'RFC 9111 §4.4: Location host comparison is case-insensitive', method: 'POST', status: 201, headers: [['location', 'http://EXAMPLE.com/b']], expected: ['/a', '/b'] },
  { why: 'RFC 9111 §4.4: Location relative to the target directory', method: 'POST', status: 201, target: '/dir/a', headers: [['location', 'b']], expected: ['/dir/a', '/dir/b'] },
  { why: 'RFC 9111 §4.4: Host with :80 is the same origin as no port', method: 'POST', status: 201, host: 'example.com:80', headers: [['location', 'http://example.com/b']], expected: ['/a', '/b'] },
  { why: 'RFC 9111 §4.4: cross-origin Location is ignored', method: 'POST', status: 201, headers: [['location', 'http://other.example/b']], expected: ['/a'] },
  { why: 'RFC 9111 §4.4: cross-origin Content-Location is ignored', method: 'POST', status: 200, headers: [['content-location', 'http://other.example/c']], expected: ['/a'] },
  { why: 'RFC 9111 §4.4: different port is another origin', method: 'POST', status: 201, headers: [['location', 'http://example.com:8080/b']], expected: ['/a'] },
  { why: 'RFC 9111 §4.4: an unparsable Location is ignored', method: 'POST', status: 201, headers: [['location', 'http://[bad']], expected: ['/a'] },
  // Nothing is invalidated.
  { why: 'RFC 9111 §4.4: POST 500 invalidates nothing', method: 'POST', status: 500, headers: [['location', '/b']], expected: [] },
  { why: 'RFC 9111 §4.4: POST 503 invalidates nothing', method: 'POST', status: 503, expected: [] },
  { why: 'RFC 9111 §4.4: POST 404 invalidates nothing', method: 'POST', status: 404, expected: [] },
  { why: 'RFC 9111 §4.4: POST 400 invalidates nothing', method: 'POST', status: 400, expected: [] },
  { why: 'RFC 9111 §4.4: POST 100 (not a final response) invalidates nothing', method: 'POST', status: 100, expected: [] },
  { why: 'RFC 9111 §4.4: safe GET invalidates nothing', method: 'GET', status: 200, headers: [['location', '/b']], expected: [] },
  { why: 'RFC 9111 §4.4: safe HEAD invalidates nothing', method: 'HEAD', status: 200, expected: [] },
  { why: 'RFC 9111 §4.4: safe OPTIONS invalidates nothing', method: 'OPTIONS', status: 200, expected: [] },
  { why: 'RFC 9111 §4.4: safe TRACE invalidates nothing', method: 'TRACE', status: 200, expected: [] },
];

for (const row of rows) {
  test(row.why, () => {
    assert.equal(invalidationTargets(row.method, row.status, row.host ?? 'example.com', row.target ?? '/a', row.headers ?? []), row.expected);
  });
}

const safeRows: Array<{ why: string; method: string; expected: boolean }> = [
  { why: 'RFC 9110 §9.2.1: GET is safe', method: 'GET', expected: true },
  { why: 'RFC 9110 §9.2.1: HEAD is safe', method: 'HEAD', expected: true },
  { why: 'RFC 9110 §9.2.1: OPTIONS is safe', method: 'OPTIONS', expected: true },
  { why: 'RFC 9110 §9.2.1: TRACE is safe', method: 'TRACE', expected: true },
  { why: 'RFC 9110 §9.2.1: POST is not safe', method: 'POST', expected: false },
  { why: 'RFC 9111 §4.4: an unknown method is not known to be safe', method: 'M-SEARCH', expected: false },
];

for (const row of safeRows) {
  test(row.why, () => {
    assert.is(isSafeMethod(row.method), row.expected);
  });
}

test.run();
