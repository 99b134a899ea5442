/** HTTP-date formatting and parsing (RFC 9110 §5.6.7), with no clock of its own. */

/** IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`; `toUTCString` has produced exactly that since ES2018. */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * Milliseconds since the epoch for any of the three HTTP-date forms, or undefined when the text
 * is not a date. Recipients must treat an invalid date as absent (§13.1.3), so no throwing here.
 */
export function parseHttpDate(text: string): number | undefined {
  // Date.parse also accepts bare numbers and ISO strings; an HTTP-date always names its weekday.
  if (!/^[A-Za-z]{3}/.test(text.trim())) return undefined;
  // asctime-date carries no zone and Date.parse would read it as local time; HTTP dates are UTC.
  const ms = Date.parse(/GMT\s*$/i.test(text) ? text : `${text} GMT`);
  return Number.isNaN(ms) ? undefined : ms;
}
