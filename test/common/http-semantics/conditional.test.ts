import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RequestHeaders } from '../../../common/http.js';
import {
  evaluateConditional,
  hasConditional,
  parseEtagList,
  strongMatch,
  weakMatch,
  type ConditionalOutcome,
  type Validators,
} from '../../../common/http-semantics/conditional.js';
import { formatHttpDate } from '../../../common/http-semantics/http-date.js';

const LM = Date.UTC(2024, 0, 1, 12, 0, 0);
const at = (seconds: number): string => formatHttpDate(LM + seconds * 1000);
const stored: Validators = { etag: '"abcdef"', lastModifiedMs: LM };

interface Row {
  why: string;
  headers: RequestHeaders;
  stored?: Validators;
  expected: ConditionalOutcome;
}

const rows: Row[] = [
  { why: 'RFC 9110 §13: no preconditions → serve normally', headers: {}, expected: 'none' },
  // If-None-Match (§13.1.2): weak comparison.
  { why: 'RFC 9110 §13.1.2: If-None-Match equal to the stored ETag → 304', headers: { 'if-none-match': '"abcdef"' }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.2: If-None-Match different → 200', headers: { 'if-none-match': '"zzz"' }, expected: 'none' },
  { why: 'RFC 9110 §13.1.2: If-None-Match W/ tag matches a strong stored tag (weak comparison)', headers: { 'if-none-match': 'W/"abcdef"' }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.2: If-None-Match strong tag matches a weak stored tag (weak comparison)', headers: { 'if-none-match': '"abcdef"' }, stored: { etag: 'W/"abcdef"', lastModifiedMs: LM }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.2: If-None-Match list "1234", "abcdef", "5678" contains the tag → 304', headers: { 'if-none-match': '"1234", "abcdef", "5678"' }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.2: If-None-Match list without the tag → 200', headers: { 'if-none-match': '"1234", "5678"' }, expected: 'none' },
  { why: 'RFC 9110 §13.1.2: If-None-Match list without spaces', headers: { 'if-none-match': '"1234","abcdef"' }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.2: If-None-Match on two request lines combine', headers: { 'if-none-match': ['"1234"', '"abcdef"'] }, expected: 'not-modified' },
  { why: 'RFC 9110 §8.8.3: an entity-tag containing a comma is one tag', headers: { 'if-none-match': '"x", "a,b"' }, stored: { etag: '"a,b"', lastModifiedMs: undefined }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.2: If-None-Match * matches any stored response → 304', headers: { 'if-none-match': '*' }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.2: If-None-Match * matches even without a stored ETag', headers: { 'if-none-match': '*' }, stored: { etag: undefined, lastModifiedMs: undefined }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.2: If-None-Match with no stored ETag → 200', headers: { 'if-none-match': '"abcdef"' }, stored: { etag: undefined, lastModifiedMs: LM }, expected: 'none' },
  { why: 'RFC 9110 §8.8.3: ETag comparison is case-sensitive', headers: { 'if-none-match': '"ABCDEF"' }, expected: 'none' },
  // Precedence (§13.2.2).
  { why: 'RFC 9110 §13.2.2: If-None-Match mismatch beats a matching If-Modified-Since → 200', headers: { 'if-none-match': '"zzz"', 'if-modified-since': at(0) }, expected: 'none' },
  { why: 'RFC 9110 §13.2.2: If-None-Match match beats an older If-Modified-Since → 304', headers: { 'if-none-match': '"abcdef"', 'if-modified-since': at(-3600) }, expected: 'not-modified' },
  // If-Modified-Since (§13.1.3).
  { why: 'RFC 9110 §13.1.3: If-Modified-Since equal to Last-Modified → 304', headers: { 'if-modified-since': at(0) }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.3: If-Modified-Since newer than Last-Modified → 304', headers: { 'if-modified-since': at(1) }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.3: If-Modified-Since older than Last-Modified → 200', headers: { 'if-modified-since': at(-1) }, expected: 'none' },
  { why: 'RFC 9110 §13.1.3: invalid If-Modified-Since is ignored → 200', headers: { 'if-modified-since': 'yesterday' }, expected: 'none' },
  { why: 'RFC 9110 §13.1.3: If-Modified-Since in RFC 850 form is understood', headers: { 'if-modified-since': 'Monday, 01-Jan-24 12:00:00 GMT' }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.1.3: If-Modified-Since without a stored Last-Modified → 200', headers: { 'if-modified-since': at(0) }, stored: { etag: '"abcdef"', lastModifiedMs: undefined }, expected: 'none' },
  // If-Match (§13.1.1): strong comparison.
  { why: 'RFC 9110 §13.1.1: If-Match strong equal → proceed', headers: { 'if-match': '"abcdef"' }, expected: 'none' },
  { why: 'RFC 9110 §13.1.1: If-Match different → 412', headers: { 'if-match': '"zzz"' }, expected: 'precondition-failed' },
  { why: 'RFC 9110 §13.1.1: If-Match with a weak tag never matches → 412', headers: { 'if-match': 'W/"abcdef"' }, expected: 'precondition-failed' },
  { why: 'RFC 9110 §13.1.1: If-Match against a weak stored tag never matches → 412', headers: { 'if-match': '"abcdef"' }, stored: { etag: 'W/"abcdef"', lastModifiedMs: LM }, expected: 'precondition-failed' },
  { why: 'RFC 9110 §13.1.1: If-Match list containing the tag → proceed', headers: { 'if-match': '"1234", "abcdef"' }, expected: 'none' },
  { why: 'RFC 9110 §13.1.1: If-Match * with a stored response → proceed', headers: { 'if-match': '*' }, expected: 'none' },
  { why: 'RFC 9110 §13.1.1: If-Match without a stored ETag → 412', headers: { 'if-match': '"abcdef"' }, stored: { etag: undefined, lastModifiedMs: LM }, expected: 'precondition-failed' },
  { why: 'RFC 9110 §13.2.2: If-Match passes, then If-None-Match match → 304', headers: { 'if-match': '"abcdef"', 'if-none-match': '"abcdef"' }, expected: 'not-modified' },
  { why: 'RFC 9110 §13.2.2: If-Match fails before If-None-Match is looked at → 412', headers: { 'if-match': '"zzz"', 'if-none-match': '"abcdef"' }, expected: 'precondition-failed' },
  // If-Unmodified-Since (§13.1.4).
  { why: 'RFC 9110 §13.1.4: If-Unmodified-Since equal to Last-Modified → proceed', headers: { 'if-unmodified-since': at(0) }, expected: 'none' },
  { why: 'RFC 9110 §13.1.4: If-Unmodified-Since newer than Last-Modified → proceed', headers: { 'if-unmodified-since': at(60) }, expected: 'none' },
  { why: 'RFC 9110 §13.1.4: If-Unmodified-Since older than Last-Modified → 412', headers: { 'if-unmodified-since': at(-60) }, expected: 'precondition-failed' },
  { why: 'RFC 9110 §13.1.4: invalid If-Unmodified-Since is ignored', headers: { 'if-unmodified-since': 'nope' }, expected: 'none' },
  { why: 'RFC 9110 §13.1.4: If-Unmodified-Since without a stored Last-Modified is ignored', headers: { 'if-unmodified-since': at(-60) }, stored: { etag: '"abcdef"', lastModifiedMs: undefined }, expected: 'none' },
  { why: 'RFC 9110 §13.2.2: If-Match present → If-Unmodified-Since is ignored', headers: { 'if-match': '"abcdef"', 'if-unmodified-since': at(-60) }, expected: 'none' },
];

for (const row of rows) {
  test(row.why, () => {
    assert.is(evaluateConditional(row.headers, row.stored ?? stored), row.expected);
  });
}

const listRows: Array<{ why: string; value: string; expected: string[] }> = [
  { why: 'RFC 9110 §8.8.3: entity-tag list of three', value: '"1234", "abcdef", "5678"', expected: ['"1234"', '"abcdef"', '"5678"'] },
  { why: 'RFC 9110 §8.8.3: weak and strong tags in one list', value: 'W/"a", "b"', expected: ['W/"a"', '"b"'] },
  { why: 'RFC 9110 §8.8.3: a comma inside a tag does not split it', value: '"a,b", "c"', expected: ['"a,b"', '"c"'] },
  { why: 'RFC 9110 §8.8.3: an empty opaque tag is valid', value: '""', expected: ['""'] },
  { why: 'RFC 9110 §8.8.3: an unquoted tag is not an entity-tag', value: 'abc', expected: [] },
];

for (const row of listRows) {
  test(row.why, () => {
    assert.equal(parseEtagList(row.value), row.expected);
  });
}

const compareRows: Array<{ why: string; a: string; b: string; weak: boolean; strong: boolean }> = [
  { why: 'RFC 9110 §8.8.3.2: "1" vs "1"', a: '"1"', b: '"1"', weak: true, strong: true },
  { why: 'RFC 9110 §8.8.3.2: W/"1" vs W/"1"', a: 'W/"1"', b: 'W/"1"', weak: true, strong: false },
  { why: 'RFC 9110 §8.8.3.2: W/"1" vs "1"', a: 'W/"1"', b: '"1"', weak: true, strong: false },
  { why: 'RFC 9110 §8.8.3.2: W/"1" vs W/"2"', a: 'W/"1"', b: 'W/"2"', weak: false, strong: false },
];

for (const row of compareRows) {
  test(row.why, () => {
    assert.equal([weakMatch(row.a, row.b), strongMatch(row.a, row.b)], [row.weak, row.strong]);
  });
}

const hasRows: Array<{ why: string; headers: RequestHeaders; expected: boolean }> = [
  { why: 'RFC 9110 §13.1: no preconditions', headers: { range: 'bytes=0-1' }, expected: false },
  { why: 'RFC 9110 §13.1.2: If-None-Match is a precondition', headers: { 'if-none-match': '*' }, expected: true },
  { why: 'RFC 9110 §13.1.3: If-Modified-Since is a precondition', headers: { 'if-modified-since': at(0) }, expected: true },
  { why: 'RFC 9110 §13.1.1: If-Match is a precondition', headers: { 'if-match': '*' }, expected: true },
  { why: 'RFC 9110 §13.1.4: If-Unmodified-Since is a precondition', headers: { 'if-unmodified-since': at(0) }, expected: true },
];

for (const row of hasRows) {
  test(row.why, () => {
    assert.is(hasConditional(row.headers), row.expected);
  });
}

test.run();
