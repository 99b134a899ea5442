/**
 * HTTP-date (RFC 9110 §5.6.7): recipients accept IMF-fixdate, the obsolete RFC 850 form and
 * asctime. Anything else is invalid (undefined), which callers treat as "in the past" where the
 * RFC says so (Expires, §5.3 of RFC 9111).
 */

/** Keyed by lower-case name: day, month and GMT are matched case-insensitively, as widely deployed parsers do. */
const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const DAY_LONG = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
const RFC850 = new RegExp(`^${DAY_LONG}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`, 'i');

/** Milliseconds since the epoch, or undefined when the value is not a valid HTTP-date. */
export function parseHttpDate(value: string | undefined, nowMs?: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let m = IMF_FIXDATE.exec(text);
  if (m !== null) return build(Number(m[3]), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = RFC850.exec(text);
  if (m !== null) {
    // Two-digit years more than 50 years in the future are in the past century (§5.6.7).
    let year = 2000 + Number(m[3]);
    const nowYear = new Date(nowMs ?? 0).getUTCFullYear();
    if (nowMs !== undefined && year > nowYear + 50) year -= 100;
    if (nowMs === undefined && year > 2069) year -= 100;
    return build(year, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME.exec(text);
  if (m !== null) return build(Number(m[6]), m[1]!, m[2]!.trim(), m[3]!, m[4]!, m[5]!);
  return undefined;
}

function build(year: number, month: string, day: string, h: string, mi: string, s: string): number | undefined {
  const monthIndex = MONTHS[month.toLowerCase()]!;
  const d = Number(day);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (d < 1 || d > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, monthIndex, d, hour, minute, Math.min(second, 59));
  // Reject dates such as 31 Feb that Date.UTC would silently roll over.
  if (new Date(ms).getUTCDate() !== d) return undefined;
  return ms;
}

/** IMF-fixdate for a time, as a sender must generate (§5.6.7). */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
