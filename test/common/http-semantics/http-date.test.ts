import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatHttpDate, parseHttpDate } from '../../../common/http-semantics/http-date.js';

interface Row {
  why: string;
  value: string | undefined;
  nowMs?: number;
  /** Milliseconds since the epoch, or undefined for an invalid HTTP-date. */
  expected: number | undefined;
}

const NOW_2024 = Date.UTC(2024, 5, 1);

const rows: Row[] = [
  // Valid forms (RFC 9110 §5.6.7).
  { why: 'RFC 9110 §5.6.7: IMF-fixdate', value: 'Sun, 06 Nov 1994 08:49:37 GMT', expected: Date.UTC(1994, 10, 6, 8, 49, 37) },
  { why: 'RFC 9110 §5.6.7: IMF-fixdate in 2050', value: 'Thu, 18 Aug 2050 02:01:18 GMT', expected: Date.UTC(2050, 7, 18, 2, 1, 18) },
  { why: 'RFC 9110 §5.6.7: obsolete RFC 850 form, two-digit year 50 → 2050', value: 'Thursday, 18-Aug-50 02:01:18 GMT', expected: Date.UTC(2050, 7, 18, 2, 1, 18) },
  { why: 'RFC 9110 §5.6.7: RFC 850 year 50 with a 2024 clock is within 50 years → 2050', value: 'Thursday, 18-Aug-50 02:01:18 GMT', nowMs: NOW_2024, expected: Date.UTC(2050, 7, 18, 2, 1, 18) },
  { why: 'RFC 9110 §5.6.7: RFC 850 year 94 → 1994 (more than 50 years ahead is the past)', value: 'Sunday, 06-Nov-94 08:49:37 GMT', expected: Date.UTC(1994, 10, 6, 8, 49, 37) },
  { why: 'RFC 9110 §5.6.7: RFC 850 year 75 with a 2024 clock → 1975', value: 'Monday, 01-Jan-75 00:00:00 GMT', nowMs: NOW_2024, expected: Date.UTC(1975, 0, 1) },
  { why: 'RFC 9110 §5.6.7: asctime with a space-padded day', value: 'Thu Aug  8 02:01:18 2050', expected: Date.UTC(2050, 7, 8, 2, 1, 18) },
  { why: 'RFC 9110 §5.6.7: asctime with a two-digit day', value: 'Sun Nov 16 08:49:37 1994', expected: Date.UTC(1994, 10, 16, 8, 49, 37) },
  { why: 'RFC 9110 §5.6.7: surrounding whitespace is not part of the value', value: '  Sun, 06 Nov 1994 08:49:37 GMT ', expected: Date.UTC(1994, 10, 6, 8, 49, 37) },
  { why: 'RFC 9110 §5.6.7: 29 Feb in a leap year', value: 'Thu, 29 Feb 2024 00:00:00 GMT', expected: Date.UTC(2024, 1, 29) },
  { why: 'RFC 9110 §5.6.7: leap second 60 is accepted (clamped to :59)', value: 'Sat, 31 Dec 2016 23:59:60 GMT', expected: Date.UTC(2016, 11, 31, 23, 59, 59) },
  // Optional in the conformance suite: wrong-case names.
  { why: 'RFC 9110 §5.6.7 (robustness): upper-case day THU accepted', value: 'THU, 18 Aug 2050 02:01:18 GMT', expected: Date.UTC(2050, 7, 18, 2, 1, 18) },
  { why: 'RFC 9110 §5.6.7 (robustness): upper-case month AUG accepted', value: 'Thu, 18 AUG 2050 02:01:18 GMT', expected: Date.UTC(2050, 7, 18, 2, 1, 18) },
  { why: 'RFC 9110 §5.6.7 (robustness): mixed-case gMT accepted', value: 'Thu, 18 Aug 2050 02:01:18 gMT', expected: Date.UTC(2050, 7, 18, 2, 1, 18) },
  { why: 'RFC 9110 §5.6.7 (robustness): wrong case in RFC 850 form accepted', value: 'THURSDAY, 18-aug-50 02:01:18 gmt', expected: Date.UTC(2050, 7, 18, 2, 1, 18) },
  { why: 'RFC 9110 §5.6.7 (robustness): wrong case in asctime form accepted', value: 'thu AUG  8 02:01:18 2050', expected: Date.UTC(2050, 7, 8, 2, 1, 18) },
  // Invalid forms.
  { why: 'RFC 9110 §5.6.7: absent value is not a date', value: undefined, expected: undefined },
  { why: 'RFC 9110 §5.6.7: empty value is invalid', value: '', expected: undefined },
  { why: 'RFC 9110 §5.6.7: UTC instead of GMT is invalid', value: 'Thu, 18 Aug 2050 02:01:18 UTC', expected: undefined },
  { why: 'RFC 9110 §5.6.7: AEST time zone is invalid', value: 'Thu, 18 Aug 2050 02:01:18 AEST', expected: undefined },
  { why: 'RFC 9110 §5.6.7: numeric zone +0000 is invalid', value: 'Thu, 18 Aug 2050 02:01:18 +0000', expected: undefined },
  { why: 'RFC 9110 §5.6.7: two-digit year in IMF-fixdate is invalid', value: 'Thu, 18 Aug 50 02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: missing comma after the day name is invalid', value: 'Thu 18 Aug 2050 02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: double spaces in IMF-fixdate are invalid', value: 'Thu,  18 Aug 2050  02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: dashes in IMF-fixdate are invalid', value: 'Thu, 18-Aug-2050 02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: dotted time 02.01.18 is invalid', value: 'Thu, 18 Aug 2050 02.01.18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: one-digit hour is invalid', value: 'Thu, 18 Aug 2050 2:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: one-digit day in IMF-fixdate is invalid', value: 'Thu, 8 Aug 2050 02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: long day name in IMF-fixdate is invalid', value: 'Thursday, 18 Aug 2050 02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: short day name in RFC 850 form is invalid', value: 'Thu, 18-Aug-50 02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: unknown day name is invalid', value: 'Fri2, 18 Aug 2050 02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: unknown month name is invalid', value: 'Thu, 18 Agu 2050 02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: the bare number 0 is invalid', value: '0', expected: undefined },
  { why: 'RFC 9110 §5.6.7: -1 is invalid', value: '-1', expected: undefined },
  { why: 'RFC 9110 §5.6.7: 31 Feb does not exist', value: 'Sat, 31 Feb 2024 00:00:00 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: 29 Feb in a common year does not exist', value: 'Wed, 29 Feb 2023 00:00:00 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: day 00 is invalid', value: 'Thu, 00 Aug 2050 02:01:18 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: hour 24 is invalid', value: 'Thu, 18 Aug 2050 24:00:00 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: minute 60 is invalid', value: 'Thu, 18 Aug 2050 02:60:00 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: asctime with a zone is invalid', value: 'Thu Aug  8 02:01:18 2050 GMT', expected: undefined },
  { why: 'RFC 9110 §5.6.7: ISO 8601 is invalid', value: '2050-08-18T02:01:18Z', expected: undefined },
];

for (const row of rows) {
  test(row.why, () => {
    assert.is(parseHttpDate(row.value, row.nowMs), row.expected);
  });
}

const formatRows: Array<{ why: string; ms: number; expected: string }> = [
  { why: 'RFC 9110 §5.6.7: senders generate IMF-fixdate (1994)', ms: Date.UTC(1994, 10, 6, 8, 49, 37), expected: 'Sun, 06 Nov 1994 08:49:37 GMT' },
  { why: 'RFC 9110 §5.6.7: senders generate IMF-fixdate with a zero-padded day', ms: Date.UTC(2050, 7, 8, 2, 1, 18), expected: 'Mon, 08 Aug 2050 02:01:18 GMT' },
];

for (const row of formatRows) {
  test(row.why, () => {
    assert.is(formatHttpDate(row.ms), row.expected);
    assert.is(parseHttpDate(formatHttpDate(row.ms)), row.ms);
  });
}

test.run();
