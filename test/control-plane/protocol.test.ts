/** The wire protocol: purge validation names the field, SSE framing survives any chunking. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkBody,
  checkPurgeRequest,
  decodeControlEvent,
  EdgeAckSchema,
  encodeSse,
  HeartbeatSchema,
  purgeId,
  seqOfPurgeId,
  SseParser,
  type ControlEvent,
} from '../../common/control-protocol.js';

const bad: Array<[string, unknown, string]> = [
  ['not an object', 'x', 'body'],
  ['kind missing', { values: ['a/b'] }, 'kind'],
  ['unknown kind', { kind: 'tag', values: ['a'] }, 'kind'],
  ['values not an array', { kind: 'url', values: 'example.com/a' }, 'values'],
  ['values empty for url', { kind: 'url', values: [] }, 'values'],
  ['values absent for key', { kind: 'key' }, 'values'],
  ['values given for all', { kind: 'all', values: ['x'] }, 'values'],
  ['non-string value', { kind: 'key', values: ['ok', 3] }, 'values.1'],
  ['empty value', { kind: 'key', values: [''] }, 'values.0'],
  ['key with a space', { kind: 'key', values: ['a b'] }, 'values.0'],
  ['url without a path', { kind: 'url', values: ['example.com'] }, 'values.0'],
  ['url with a bad scheme', { kind: 'url', values: ['ftp://example.com/a'] }, 'values.0'],
  ['prefix as a bare path', { kind: 'prefix', values: ['/images/'] }, 'values.0'],
  ['soft not boolean', { kind: 'all', soft: 'yes' }, 'soft'],
  ['unknown field', { kind: 'all', force: true }, 'force'],
  ['too many values', { kind: 'key', values: ['a', 'b', 'c', 'd'] }, 'values'],
];

for (const [why, body, field] of bad) {
  test(`purge request rejected, naming ${field}: ${why}`, () => {
    const checked = checkPurgeRequest(body, 3);
    assert.is(checked.ok, false);
    if (checked.ok) return;
    assert.is(checked.field, field);
    assert.ok(checked.message.startsWith(`${field}: `), checked.message);
  });
}

const good: Array<[unknown, { kind: string; values: string[]; soft: boolean }]> = [
  [{ kind: 'all' }, { kind: 'all', values: [], soft: false }],
  [{ kind: 'all', values: [], soft: true }, { kind: 'all', values: [], soft: true }],
  [{ kind: 'url', values: ['https://example.com/a?b=1', 'example.com/x?y'] }, { kind: 'url', values: ['https://example.com/a?b=1', 'example.com/x?y'], soft: false }],
  [{ kind: 'url', values: ['127.0.0.1:8080/a'] }, { kind: 'url', values: ['127.0.0.1:8080/a'], soft: false }],
  [{ kind: 'prefix', values: ['example.com/images/'], soft: true }, { kind: 'prefix', values: ['example.com/images/'], soft: true }],
  [{ kind: 'key', values: ['product-42', 'cat:shoes'] }, { kind: 'key', values: ['product-42', 'cat:shoes'], soft: false }],
];

test('valid purge requests get defaults filled in', () => {
  for (const [body, expected] of good) {
    const checked = checkPurgeRequest(body, 3);
    assert.ok(checked.ok, JSON.stringify(body));
    if (checked.ok) assert.equal(checked.value, expected);
  }
});

test('heartbeat and ack validation name nested fields', () => {
  const hb = { edge: 'e1', region: 'eu', url: 'http://127.0.0.1:8080', appliedSeq: 0, load: { requestsPerSec: 1, errorRate: 0 } };
  assert.ok(checkBody(HeartbeatSchema, hb).ok);
  const cases: Array<[unknown, string]> = [
    [{ ...hb, load: { requestsPerSec: 1, errorRate: 2 } }, 'load.errorRate'],
    [{ ...hb, load: { requestsPerSec: 1 } }, 'load.errorRate'],
    [{ ...hb, url: 'http://x/with/path' }, 'url'],
    [{ ...hb, edge: 'has space' }, 'edge'],
    [{ ...hb, appliedSeq: -1 }, 'appliedSeq'],
    [{ ...hb, appliedSeq: 1.5 }, 'appliedSeq'],
  ];
  for (const [body, field] of cases) {
    const checked = checkBody(HeartbeatSchema, body);
    assert.is(checked.ok, false);
    if (!checked.ok) assert.is(checked.field, field, checked.message);
  }
  const ack = checkBody(EdgeAckSchema, { edge: 'e1' });
  assert.is(ack.ok, false);
  if (!ack.ok) assert.is(ack.message, 'appliedSeq: is required');
});

test('SSE frames round-trip through the parser in any chunking', () => {
  const events: ControlEvent[] = [
    { event: 'hello', data: { logId: 'L', lastSeq: 3, leaseMs: 9000, heartbeatIntervalMs: 1000 } },
    { event: 'purge', data: { seq: 4, id: 'p4-x', kind: 'url', values: ['a/b\nc'], soft: false, acceptedAtMs: 5 } },
    { event: 'flush', data: { upToSeq: 9, reason: 'behind-retention' } },
    { event: 'lease', data: { leaseUntilMs: 10, issuedAtMs: 1, leaseMs: 9, throughSeq: 4 } },
    { event: 'membership', data: { members: [{ id: 'e', url: 'http://h:1', region: 'r', weight: 1, health: 'healthy' }] } },
  ];
  const text = `retry: 1000\n\n: comment\n${events.map(encodeSse).join('')}`;
  assert.ok(encodeSse(events[1]!).includes('id: 4\n'));
  assert.ok(!encodeSse(events[3]!).includes('id:'));
  for (const size of [1, 3, 7, text.length]) {
    const parser = new SseParser();
    const frames = [];
    for (let i = 0; i < text.length; i += size) frames.push(...parser.feed(text.slice(i, i + size)));
    assert.equal(frames.map((f) => decodeControlEvent(f)), events, `chunk size ${size}`);
    assert.is(frames[1]!.id, '4');
  }
  assert.is(decodeControlEvent({ event: 'future', data: '{}' }), undefined);
});

test('purge ids carry their seq', () => {
  const id = purgeId(123, Date.UTC(2026, 0, 1));
  assert.is(seqOfPurgeId(id), 123);
  assert.is(seqOfPurgeId('p0-1'), undefined);
  assert.is(seqOfPurgeId('123'), undefined);
  assert.is(seqOfPurgeId('p1-abc/../'), undefined);
});

test.run();
