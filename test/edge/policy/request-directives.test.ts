import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCacheControl } from '../../../edge/policy/cache-control.js';
import { requestDemandsValidation, type RequestValidation } from '../../../edge/policy/request-directives.js';

const rows: Array<{ why: string; cc: string; ageMs: number; freshLeftMs: number; expected: RequestValidation | undefined }> = [
  { why: 'RFC 9111 §5.2.1: no directives, no demand', cc: '', ageMs: 0, freshLeftMs: 60_000, expected: undefined },
  { why: 'RFC 9111 §5.2.1.4: no-cache always validates', cc: 'no-cache', ageMs: 0, freshLeftMs: 60_000, expected: 'no-cache' },
  { why: 'RFC 9111 §5.2.1.1: max-age=0 validates even at age 0 (a reload)', cc: 'max-age=0', ageMs: 0, freshLeftMs: 60_000, expected: 'max-age' },
  { why: 'RFC 9111 §5.2.1.1: max-age=10 at age 10 s is acceptable', cc: 'max-age=10', ageMs: 10_000, freshLeftMs: 60_000, expected: undefined },
  { why: 'RFC 9111 §5.2.1.1: max-age=10 at age 10.001 s validates', cc: 'max-age=10', ageMs: 10_001, freshLeftMs: 60_000, expected: 'max-age' },
  { why: 'RFC 9111 §5.2.1.3: min-fresh=30 with 60 s left is acceptable', cc: 'min-fresh=30', ageMs: 0, freshLeftMs: 60_000, expected: undefined },
  { why: 'RFC 9111 §5.2.1.3: min-fresh=30 with 29 s left validates', cc: 'min-fresh=30', ageMs: 0, freshLeftMs: 29_000, expected: 'min-fresh' },
  { why: 'RFC 9111 §5.2.1.3: min-fresh=0 on a fresh response is acceptable', cc: 'min-fresh=0', ageMs: 0, freshLeftMs: 1, expected: undefined },
  { why: 'RFC 9111 §5.2.1.2: max-stale alone demands nothing', cc: 'max-stale=60', ageMs: 0, freshLeftMs: -1_000, expected: undefined },
  { why: 'RFC 9111 §5.2: directive names are case-insensitive', cc: 'No-Cache', ageMs: 0, freshLeftMs: 60_000, expected: 'no-cache' },
  { why: 'RFC 9111 §5.2.1.1: an invalid max-age reads as 0 (§1.2.2), so it validates', cc: 'max-age=abc', ageMs: 0, freshLeftMs: 60_000, expected: 'max-age' },
];

for (const row of rows) {
  test(row.why, () => {
    assert.is(requestDemandsValidation(parseCacheControl(row.cc), row.ageMs, row.freshLeftMs), row.expected);
  });
}

test.run();
