/** The JSON access line written as bytes is exactly JSON.stringify of its fields, whatever a client sends. */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonLineMaxBytes, writeJsonLine } from '../../../edge/access-log/json-line-bytes.js';
import type { CompletedRequest } from '../../../edge/pipeline/request-events.js';
import { sampleRequest } from './sample-request.js';

/** The line as the issue defines it: these fields, in this order, durations rounded to microseconds. */
function reference(e: CompletedRequest): string {
  const fields: Record<string, unknown> = {
    time: new Date(e.startWallMs).toISOString(),
    client: e.clientAddress ?? '-',
    method: e.method,
    target: e.target,
    protocol: e.protocol,
    status: e.status,
    bytes: e.outcome.bytes,
    durationMs: Math.round(e.durationMs * 1000) / 1000,
    cache: e.outcome.kind,
    upstream: e.outcome.upstream ?? '-',
    requestId: e.requestId,
  };
  if (!e.completed) fields['aborted'] = true;
  return `${JSON.stringify(fields)}\n`;
}

/** Written after 7 bytes of other data and followed by a sentinel, so a write outside its room shows. */
function written(e: CompletedRequest): string {
  const room = jsonLineMaxBytes(e);
  const buf = Buffer.alloc(7 + room + 1, 0xee);
  const end = writeJsonLine(buf, 7, e);
  assert.ok(end - 7 <= room, `wrote ${end - 7} bytes into room for ${room}`);
  assert.is(buf[7 + room], 0xee);
  assert.ok(buf.subarray(0, 7).every((b) => b === 0xee));
  return buf.toString('utf8', 7, end);
}

const base = sampleRequest;

const rows: Array<[string, Partial<CompletedRequest>]> = [
  ['a miss from the origin', {}],
  ['a hit: upstream "-", no client address', { clientAddress: undefined, outcome: { kind: 'hit', hit: true, bytes: 1024 } }],
  ['an aborted response', { completed: false }],
  ['whole milliseconds, tenths, hundredths, zero', { durationMs: 7 }],
  ['0.01 ms', { durationMs: 0.0104 }],
  ['0.5 ms', { durationMs: 0.5 }],
  ['under half a microsecond', { durationMs: 0.0004 }],
  ['a long duration', { durationMs: 123_456_789.0125 }],
  ['a duration past the exact range', { durationMs: 1e13 + 0.5 }],
  ['quotes, backslashes, control bytes, a newline', { target: '/x\n{"evil":1}\\\x00\x1f\x7f' }],
  ['Latin-1 bytes as the HTTP/1.1 parser decodes them', { target: '/caf\xe9' }],
  ['non-Latin-1 and a lone surrogate', { target: '/é☃\ud800', requestId: '😀' }],
  ['a long plain target', { target: `/${'a'.repeat(8000)}` }],
  ['a long hostile target', { target: `/${'"\x01'.repeat(4000)}` }],
];
for (const [why, patch] of rows) test(`json bytes: ${why}`, () => assert.is(written({ ...base, ...patch }), reference({ ...base, ...patch })));

test('json bytes: any strings, numbers and flags give JSON.stringify text in the room promised', () => {
  const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' }));
  fc.assert(
    fc.property(
      fc.record({
        startWallMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
        durationMs: fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000)),
        clientAddress: fc.option(anyString, { nil: undefined }),
        method: anyString,
        target: anyString,
        protocol: anyString,
        status: fc.integer({ min: 100, max: 999 }),
        bytes: fc.nat(),
        upstream: fc.option(anyString, { nil: undefined }),
        requestId: anyString,
        completed: fc.boolean(),
      }),
      (r) => {
        const e: CompletedRequest = { ...base, ...r, outcome: { kind: 'miss', hit: false, fwd: 'uri-miss', bytes: r.bytes, ...(r.upstream === undefined ? {} : { upstream: r.upstream }) } };
        assert.is(written(e), reference(e));
      },
    ),
    { numRuns: 2000 },
  );
});

test.run();
