import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RequestHeaders } from '../../../common/http.js';
import type { Validators } from '../../../common/http-semantics/conditional.js';
import { formatHttpDate } from '../../../common/http-semantics/http-date.js';
import { parseRange, rangeDecision, type RangeDecision } from '../../../common/http-semantics/range.js';

const LM = Date.UTC(2024, 0, 1, 12, 0, 0);
const stored: Validators = { etag: '"v1"', lastModifiedMs: LM };
const FULL: RangeDecision = { kind: 'full' };
const UNSAT: RangeDecision = { kind: 'unsatisfiable' };
const part = (start: number, end: number): RangeDecision => ({ kind: 'partial', start, end });

interface Row {
  why: string;
  headers: RequestHeaders;
  length?: number;
  status?: number;
  stored?: Validators;
  expected: RangeDecision;
}

const rows: Row[] = [
  { why: 'RFC 9110 §14.2: no Range → full response', headers: {}, expected: FULL },
  { why: 'RFC 9110 §14.1.2: bytes=0-1 → first two bytes', headers: { range: 'bytes=0-1' }, expected: part(0, 1) },
  { why: 'RFC 9110 §14.1.2: bytes=0-0 → first byte', headers: { range: 'bytes=0-0' }, expected: part(0, 0) },
  { why: 'RFC 9110 §14.1.2: bytes=5- → from byte 5 to the end', headers: { range: 'bytes=5-' }, expected: part(5, 9) },
  { why: 'RFC 9110 §14.1.2: bytes=-3 → last three bytes', headers: { range: 'bytes=-3' }, expected: part(7, 9) },
  { why: 'RFC 9110 §14.1.2: suffix longer than the body → whole body as 206', headers: { range: 'bytes=-20' }, expected: part(0, 9) },
  { why: 'RFC 9110 §14.1.2: end past the length is clamped to the last byte', headers: { range: 'bytes=2-100' }, expected: part(2, 9) },
  { why: 'RFC 9110 §14.1.2: bytes=9-9 → the last byte', headers: { range: 'bytes=9-9' }, expected: part(9, 9) },
  { why: 'RFC 9110 §14.1.1: BYTES unit is case-insensitive', headers: { range: 'BYTES=0-1' }, expected: part(0, 1) },
  { why: 'RFC 9110 §14.1.1: whitespace around the range-spec is tolerated', headers: { range: 'bytes= 0-1 ' }, expected: part(0, 1) },
  { why: 'RFC 9110 §14.1.1: start at the length → 416', headers: { range: 'bytes=10-' }, expected: UNSAT },
  { why: 'RFC 9110 §14.1.1: start past the length → 416', headers: { range: 'bytes=20-30' }, expected: UNSAT },
  { why: 'RFC 9110 §14.1.1: bytes=-0 is unsatisfiable', headers: { range: 'bytes=-0' }, expected: UNSAT },
  { why: 'RFC 9110 §14.1.1: empty body, bytes=0- is unsatisfiable', headers: { range: 'bytes=0-' }, length: 0, expected: UNSAT },
  { why: 'RFC 9110 §14.1.1: empty body, bytes=-1 is unsatisfiable', headers: { range: 'bytes=-1' }, length: 0, expected: UNSAT },
  { why: 'RFC 9110 §14.2: multiple ranges → full response', headers: { range: 'bytes=0-1, 3-4' }, expected: FULL },
  { why: 'RFC 9110 §14.1.1: last < first is invalid → full response', headers: { range: 'bytes=3-1' }, expected: FULL },
  { why: 'RFC 9110 §14.2: malformed bytes=abc → full response', headers: { range: 'bytes=abc' }, expected: FULL },
  { why: 'RFC 9110 §14.2: bytes=- → full response', headers: { range: 'bytes=-' }, expected: FULL },
  { why: 'RFC 9110 §14.2: missing = → full response', headers: { range: 'bytes 0-1' }, expected: FULL },
  { why: 'RFC 9110 §14.2: unknown range unit → full response', headers: { range: 'items=0-1' }, expected: FULL },
  { why: 'RFC 9110 §14.2: negative start is malformed → full response', headers: { range: 'bytes=--1' }, expected: FULL },
  { why: 'RFC 9110 §14.2: Range on a non-200 stored response is ignored', headers: { range: 'bytes=0-1' }, status: 404, expected: FULL },
  // If-Range (§13.1.5).
  { why: 'RFC 9110 §13.1.5: If-Range with the matching strong ETag → 206', headers: { range: 'bytes=0-1', 'if-range': '"v1"' }, expected: part(0, 1) },
  { why: 'RFC 9110 §13.1.5: If-Range with a different ETag → full', headers: { range: 'bytes=0-1', 'if-range': '"v2"' }, expected: FULL },
  { why: 'RFC 9110 §13.1.5: If-Range with a weak ETag → full (strong comparison)', headers: { range: 'bytes=0-1', 'if-range': 'W/"v1"' }, expected: FULL },
  { why: 'RFC 9110 §13.1.5: If-Range against a weak stored ETag → full', headers: { range: 'bytes=0-1', 'if-range': '"v1"' }, stored: { etag: 'W/"v1"', lastModifiedMs: LM }, expected: FULL },
  { why: 'RFC 9110 §13.1.5: If-Range with an ETag, nothing stored → full', headers: { range: 'bytes=0-1', 'if-range': '"v1"' }, stored: { etag: undefined, lastModifiedMs: LM }, expected: FULL },
  { why: 'RFC 9110 §13.1.5: If-Range date equal to Last-Modified → 206', headers: { range: 'bytes=0-1', 'if-range': formatHttpDate(LM) }, expected: part(0, 1) },
  { why: 'RFC 9110 §13.1.5: If-Range date newer than Last-Modified → full (exact match only)', headers: { range: 'bytes=0-1', 'if-range': formatHttpDate(LM + 1000) }, expected: FULL },
  { why: 'RFC 9110 §13.1.5: If-Range date older than Last-Modified → full', headers: { range: 'bytes=0-1', 'if-range': formatHttpDate(LM - 1000) }, expected: FULL },
  { why: 'RFC 9110 §13.1.5: If-Range date without a stored Last-Modified → full', headers: { range: 'bytes=0-1', 'if-range': formatHttpDate(LM) }, stored: { etag: '"v1"', lastModifiedMs: undefined }, expected: FULL },
  { why: 'RFC 9110 §13.1.5: invalid If-Range → full', headers: { range: 'bytes=0-1', 'if-range': 'garbage' }, expected: FULL },
  { why: 'RFC 9110 §13.1.5: If-Range with no Range → full', headers: { 'if-range': '"v1"' }, expected: FULL },
];

for (const row of rows) {
  test(row.why, () => {
    assert.equal(rangeDecision(row.headers, row.length ?? 10, row.status ?? 200, row.stored ?? stored), row.expected);
  });
}

test('RFC 9110 §14.1.2: parseRange on its own: bytes=1-2 of 3 bytes', () => {
  assert.equal(parseRange('bytes=1-2', 3), part(1, 2));
});

test.run();
