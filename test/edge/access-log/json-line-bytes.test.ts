/**
 * The JSON access line written as bytes is exactly JSON.stringify of its fields, whatever a client
 * sends, and stays so when the writer copies what a line shares with the line before it.
 */
import fc from 'fast-check';
import { PROPERTY_SEED } from '../property-settings.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonLineMaxBytes, JsonLineWriter } from '../../../edge/access-log/json-line-bytes.js';
import { requestIdText } from '../../../edge/access-log/request-id.js';
import type { CompletedRequest } from '../../../edge/pipeline/request-events.js';
import { sampleRequest } from './sample-request.js';

/** The line as the issue defines it: these fields, in this order, durations rounded to microseconds. */
function reference(e: CompletedRequest, idPrefix = PREFIX): string {
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
    requestId: requestIdText(e.requestId, idPrefix),
  };
  if (!e.completed) fields['aborted'] = true;
  return `${JSON.stringify(fields)}\n`;
}

const PREFIX = '1a2b3c4d';

/** Written by a fresh writer after 7 bytes of other data and followed by a sentinel, so a write outside its room shows. */
function written(e: CompletedRequest): string {
  const room = jsonLineMaxBytes(e, PREFIX);
  const buf = Buffer.alloc(7 + room + 1, 0xee);
  const end = new JsonLineWriter(PREFIX).write(buf, 7, e);
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
  ['a time before 1970', { startWallMs: -86_400_000 + 5 }],
  ['a time past the year 9999 (toISOString writes a sign and six digits)', { startWallMs: 253_402_300_800_123 }],
  ['the last millisecond of a second', { startWallMs: Date.UTC(2026, 11, 31, 23, 59, 59, 999) }],
  ["the edge's own id: the process prefix and the number in base 36", { requestId: 1 }],
  ['an own id past 2^31 (digits worked out in doubles)', { requestId: 2 ** 31 + 5 }],
  ['a status and byte count past 2^31', { status: 200, outcome: { kind: 'hit', hit: true, bytes: 2 ** 40 + 3 } }],
  ['an own id past one base-36 digit', { requestId: 36 ** 3 + 35 }],
  ['an own id of 2^53 - 1', { requestId: Number.MAX_SAFE_INTEGER }],
  ['a client id with a quote and a backslash', { requestId: 'a"b\\c' }],
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
        requestId: fc.oneof(anyString, fc.nat()),
        completed: fc.boolean(),
      }),
      (r) => {
        const e: CompletedRequest = { ...base, ...r, outcome: { kind: 'miss', hit: false, fwd: 'uri-miss', bytes: r.bytes, ...(r.upstream === undefined ? {} : { upstream: r.upstream }) } };
        assert.is(written(e), reference(e));
      },
    ),
    { numRuns: 2000, seed: PROPERTY_SEED },
  );
});

/** Lines written one after another into one buffer, as the log writes them; each must read back as its own line. */
function writtenInSequence(events: readonly CompletedRequest[], writer = new JsonLineWriter(PREFIX), buf = Buffer.alloc(64 * 1024, 0xee), gaps: readonly number[] = []): string[] {
  const lines: string[] = [];
  let p = 0;
  events.forEach((e, i) => {
    p += gaps[i] ?? 0;
    const room = jsonLineMaxBytes(e, PREFIX);
    assert.ok(p + room <= buf.length, 'test buffer too small');
    const end = writer.write(buf, p, e);
    assert.ok(end - p <= room);
    lines.push(buf.toString('utf8', p, end));
    p = end;
  });
  return lines;
}

test('json bytes in sequence: a line copying most of the one before (same millisecond, client, target, outcome) is still its own text', () => {
  const first: CompletedRequest = { ...base, requestId: 1, durationMs: 0.012, outcome: { kind: 'hit', hit: true, bytes: 1024 } };
  const events = [first, { ...first, requestId: 2, durationMs: 0.3 }, { ...first, requestId: 3, target: '/b' }, { ...first, requestId: 'client-id' }, { ...first, requestId: 40, completed: false }, { ...first, requestId: 41 }];
  assert.equal(writtenInSequence(events), events.map((e) => reference(e)));
});

test('json bytes in sequence: a new buffer, a gap, or a position before the last line starts afresh', () => {
  const writer = new JsonLineWriter(PREFIX);
  const a: CompletedRequest = { ...base, requestId: 7 };
  const b: CompletedRequest = { ...a, requestId: 8 };
  const buf = Buffer.alloc(4096, 0xee);
  const end = writer.write(buf, 0, a);
  // The same buffer again from position 0: the previous line is overwritten, nothing to copy from.
  const again = writer.write(buf, 0, b);
  assert.is(buf.toString('utf8', 0, again), reference(b));
  // Another buffer: the previous line is not in it.
  const other = Buffer.alloc(4096, 0xee);
  assert.is(other.toString('utf8', 0, writer.write(other, 0, a)), reference(a));
  // A gap between lines in the same buffer is fine.
  assert.is(other.toString('utf8', 1000, writer.write(other, 1000, b)), reference(b));
  assert.ok(end > 0);
});

test('json bytes in sequence: any run of records with repeating values gives each line its JSON.stringify text', () => {
  // Few distinct values per field, so runs of equal fields (the copied case) are common.
  const pick = <T>(...values: T[]) => fc.constantFrom(...values);
  const record = fc.record({
    startWallMs: pick(1_764_633_600_000, 1_764_633_600_000.7, 1_764_633_600_001, 0),
    durationMs: pick(0, 0.012, 1.5, 10_000.0005),
    clientAddress: pick<string | undefined>('127.0.0.1', '::1', undefined, 'a"b'),
    method: pick('GET', 'HEAD'),
    target: pick('/a', '/a?b=1', '/é', '/x\n'),
    protocol: pick('HTTP/1.1', 'HTTP/2'),
    status: pick(200, 304, 502),
    bytes: pick(0, 1024, 123_456),
    kind: pick('hit', 'miss', 'stale'),
    upstream: pick<string | undefined>(undefined, 'origin', 'e2'),
    requestId: fc.oneof(fc.nat(), pick('abc', 'x"y')),
    completed: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(record, { minLength: 1, maxLength: 40 }), fc.array(pick(0, 0, 0, 1, 17), { maxLength: 40 }), (rows, gaps) => {
      const events = rows.map(({ bytes, kind, upstream, ...r }): CompletedRequest => ({ ...base, ...r, outcome: { kind: kind as 'hit', hit: kind === 'hit', bytes, ...(upstream === undefined ? {} : { upstream }) } }));
      assert.equal(writtenInSequence(events, undefined, undefined, gaps), events.map((e) => reference(e)));
    }),
    { numRuns: 1000, seed: PROPERTY_SEED },
  );
});

test('json bytes: an id prefix that would need escaping is refused (the binary makes hex ones)', () => {
  assert.throws(() => new JsonLineWriter('a"b'));
  assert.throws(() => new JsonLineWriter('é'));
});

test.run();
