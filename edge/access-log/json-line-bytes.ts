/**
 * The JSON access-log line written straight into a byte buffer: the same text as
 * `JSON.stringify` of the line's fields in order (test/edge/access-log/json-line-bytes.test.ts),
 * without the strings in between. Building the line as a template string cost more than its
 * fields: one string per quoted field, a rope of ~25 pieces, and then flattening and encoding
 * it into the chunk (issue 18's access-log bench, loadtests/bench/access-log-cpu.ts). Here each
 * printable-ASCII value (nearly all of them: addresses, methods, paths, ids) is copied byte by
 * byte; anything else falls back to JSON.stringify's escaping, encoded as UTF-8.
 */
import type { CompletedRequest } from '../pipeline/request-events.js';
import { upstreamOf } from '../pipeline/request-events.js';

/** Bytes a JSON string value of n UTF-16 units can take at most: `\uXXXX` is 6 for one unit. */
const MAX_BYTES_PER_UNIT = 6;
/** The line's fixed text, the time, the numbers and the quotes around values, with room to spare. */
const FIXED_BYTES = 384;

/** An upper bound of the bytes `writeJsonLine` writes for this record: the room it must be given. */
export function jsonLineMaxBytes(e: CompletedRequest): number {
  const values = (e.clientAddress?.length ?? 1) + e.method.length + e.target.length + e.protocol.length + e.outcome.kind.length + upstreamOf(e.outcome).length + e.requestId.length;
  return FIXED_BYTES + MAX_BYTES_PER_UNIT * values;
}

/** Writes the line (newline included) at `pos`; `buf` must have `jsonLineMaxBytes(e)` bytes free there. Returns the end. */
export function writeJsonLine(buf: Buffer, pos: number, e: CompletedRequest): number {
  let p = ascii(buf, pos, '{"time":"');
  p = ascii(buf, p, isoTime(e.startWallMs));
  p = ascii(buf, p, '","client":');
  p = jsonString(buf, p, e.clientAddress ?? '-');
  p = ascii(buf, p, ',"method":');
  p = jsonString(buf, p, e.method);
  p = ascii(buf, p, ',"target":');
  p = jsonString(buf, p, e.target);
  p = ascii(buf, p, ',"protocol":');
  p = jsonString(buf, p, e.protocol);
  p = ascii(buf, p, ',"status":');
  p = number(buf, p, e.status);
  p = ascii(buf, p, ',"bytes":');
  p = number(buf, p, e.outcome.bytes);
  p = ascii(buf, p, ',"durationMs":');
  p = milliseconds(buf, p, e.durationMs);
  p = ascii(buf, p, ',"cache":');
  p = jsonString(buf, p, e.outcome.kind);
  p = ascii(buf, p, ',"upstream":');
  p = jsonString(buf, p, upstreamOf(e.outcome));
  p = ascii(buf, p, ',"requestId":');
  p = jsonString(buf, p, e.requestId);
  if (!e.completed) p = ascii(buf, p, ',"aborted":true');
  buf[p++] = 0x7d; // }
  buf[p++] = 0x0a; // \n
  return p;
}

/** Text known to be ASCII (the line's own field names, a time, digits). */
function ascii(buf: Buffer, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[pos + i] = text.charCodeAt(i);
  return pos + text.length;
}

/**
 * A JSON string literal: printable ASCII other than `"` and `\` goes as it is; at the first other
 * unit the value is written again as JSON.stringify escapes it, in UTF-8.
 */
function jsonString(buf: Buffer, pos: number, value: string): number {
  buf[pos] = 0x22;
  let p = pos + 1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return pos + buf.write(JSON.stringify(value), pos, 'utf8');
    buf[p++] = c;
  }
  buf[p++] = 0x22;
  return p;
}

/** An integer's digits; anything else (never in practice) as JSON writes it. */
function number(buf: Buffer, pos: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return ascii(buf, pos, JSON.stringify(n));
  return digits(buf, pos, n);
}

function digits(buf: Buffer, pos: number, n: number): number {
  let end = pos;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) end++;
  for (let i = end, m = n; i >= pos; i--, m = Math.floor(m / 10)) buf[i] = 0x30 + (m % 10);
  return end + 1;
}

/** Below this many microseconds `int.frac` is also the shortest text of the rounded double. */
const EXACT_MICROSECONDS = 1e12;

/**
 * A duration rounded to microseconds, written as JSON writes `Math.round(ms * 1000) / 1000`
 * (`1.235`, `0.01`, `7`): whole milliseconds, then up to three decimals without trailing zeros.
 */
function milliseconds(buf: Buffer, pos: number, ms: number): number {
  const us = Math.round(ms * 1000);
  if (!(us >= 0 && us < EXACT_MICROSECONDS)) return ascii(buf, pos, JSON.stringify(us / 1000));
  let p = digits(buf, pos, Math.floor(us / 1000));
  let frac = us % 1000;
  if (frac === 0) return p;
  buf[p++] = 0x2e; // .
  for (let unit = 100; frac > 0; unit /= 10) {
    const d = Math.floor(frac / unit);
    buf[p++] = 0x30 + d;
    frac -= d * unit;
  }
  return p;
}

let lastIsoMs = Number.NaN;
let lastIso = '';
/** toISOString, remembered for the last millisecond: a busy edge logs many lines per millisecond. */
function isoTime(wallMs: number): string {
  if (wallMs !== lastIsoMs) {
    lastIsoMs = wallMs;
    lastIso = new Date(wallMs).toISOString();
  }
  return lastIso;
}
