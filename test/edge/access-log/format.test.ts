/** Access-log line formats: JSON fields and the combined format (Apache's mod_log_config %h %l %u %t "%r" %>s %b). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clfTime, combinedLine, jsonLine, quoted } from '../../../edge/access-log/format.js';
import type { CompletedRequest } from '../../../edge/pipeline/request-events.js';
import { sampleRequest } from './sample-request.js';

const base = sampleRequest;

test('json: every field the issue asks for, durations rounded to microseconds', () => {
  assert.equal(JSON.parse(jsonLine(base)), {
    time: '2026-11-26T12:03:04.567Z',
    client: '127.0.0.1',
    method: 'GET',
    target: '/a?b=1',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 42,
    durationMs: 1.235,
    cache: 'miss',
    upstream: 'origin',
    requestId: 'r-1',
  });
  assert.ok(jsonLine(base).endsWith('}\n'));
});

test('json: a hit has upstream "-"; an aborted response says so; a hostile target stays one line', () => {
  const line = jsonLine({ ...base, target: '/x\n{"evil":1}', completed: false, outcome: { kind: 'hit', hit: true, bytes: 0 } });
  assert.is(line.split('\n').length, 2);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.is(parsed['upstream'], '-');
  assert.is(parsed['aborted'], true);
  assert.is(parsed['target'], '/x\n{"evil":1}');
});

test('json: any value is escaped as JSON.stringify escapes it (json-line-bytes.test.ts has the property)', () => {
  for (const value of ['', '/a?b=1', '127.0.0.1', '9f2c01aa-1', 'a"b', 'a\\b', 'a\nb', '\x00\x1f\x7f', 'é☃', '\ud800', '<script>']) {
    const line = jsonLine({ ...base, target: value });
    assert.ok(line.includes(`"target":${JSON.stringify(value)},`), JSON.stringify(value));
    assert.is((JSON.parse(line) as { target: string }).target, value);
  }
});

const combinedRows: Array<[string, CompletedRequest, string]> = [
  [
    'miss from the origin',
    base,
    '127.0.0.1 - - [26/Nov/2026:12:03:04 +0000] "GET /a?b=1 HTTP/1.1" 200 42 "-" "curl/8.5" rt=0.001 cache=miss upstream=origin id=r-1\n',
  ],
  [
    'zero bytes is "-" (as %b); a peer upstream; referer kept',
    { ...base, status: 304, referer: 'http://x/', outcome: { kind: 'hit', hit: true, bytes: 0, upstream: 'e2' } },
    '127.0.0.1 - - [26/Nov/2026:12:03:04 +0000] "GET /a?b=1 HTTP/1.1" 304 - "http://x/" "curl/8.5" rt=0.001 cache=hit upstream=e2 id=r-1\n',
  ],
  [
    'quotes and control bytes in the request line are escaped',
    { ...base, target: '/"q"\x1b', clientAddress: undefined, completed: false },
    '- - - [26/Nov/2026:12:03:04 +0000] "GET /\\"q\\"\\x1b HTTP/1.1" 200 42 "-" "curl/8.5" rt=0.001 cache=miss upstream=origin id=r-1 aborted=1\n',
  ],
];
for (const [why, event, expected] of combinedRows) {
  test(`combined: ${why}`, () => assert.is(combinedLine(event), expected));
}

test('clfTime pads and uses UTC; quoted("") is "-"', () => {
  assert.is(clfTime(Date.UTC(2026, 0, 5, 3, 4, 5)), '[05/Jan/2026:03:04:05 +0000]');
  assert.is(quoted(''), '"-"');
  assert.is(quoted('a\\b'), '"a\\\\b"');
});

test('clfTime: lines in one second share its text; the next second, or an earlier one, gets its own', () => {
  const second = Date.UTC(2026, 11, 31, 23, 59, 59);
  assert.is(clfTime(second), '[31/Dec/2026:23:59:59 +0000]');
  assert.is(clfTime(second + 999), '[31/Dec/2026:23:59:59 +0000]');
  assert.is(clfTime(second + 1000), '[01/Jan/2027:00:00:00 +0000]');
  assert.is(clfTime(second - 1), '[31/Dec/2026:23:59:58 +0000]');
  assert.is(clfTime(second + 500), '[31/Dec/2026:23:59:59 +0000]');
});

test.run();
