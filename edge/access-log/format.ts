/**
 * Access-log lines from completed-request records: pure functions, one line each, newline
 * included. JSON is the default (one object per line, field names stable for log shippers);
 * `combined` is the Apache/nginx combined format, which every log analyser parses, followed by
 * the edge's own fields as `key=value` pairs (nginx's "combined plus" habit), so parsers that
 * stop after the user agent still work.
 */
import type { CompletedRequest } from '../pipeline/request-events.js';
import { upstreamOf } from '../pipeline/request-events.js';
import { jsonLineMaxBytes, JsonLineWriter } from './json-line-bytes.js';
import { requestIdText } from './request-id.js';

export type AccessLogFormat = 'json' | 'combined';

/** The prefix of the edge's own request ids when none is given (tests); the binary's is random per process. */
export const DEFAULT_ID_PREFIX = 'edge';

/**
 * The JSON line as a string (`idPrefix`: what the edge's own request ids start with). The log
 * itself writes the bytes straight into its chunk (json-line-bytes.ts); this is the same text,
 * for callers that want one line.
 */
export function jsonLine(e: CompletedRequest, idPrefix = DEFAULT_ID_PREFIX): string {
  const buf = Buffer.allocUnsafe(jsonLineMaxBytes(e, idPrefix));
  return buf.toString('utf8', 0, new JsonLineWriter(idPrefix).write(buf, 0, e));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

let lastClfSecond = Number.NaN;
let lastClf = '';
/** `[10/Oct/2000:13:55:36 +0000]`: Apache's %t, always in UTC; remembered for the last second, which a busy edge's lines share. */
export function clfTime(wallMs: number): string {
  const second = Math.floor(wallMs / 1000);
  if (second !== lastClfSecond) {
    lastClfSecond = second;
    lastClf = clfTimeOf(second * 1000);
  }
  return lastClf;
}

function clfTimeOf(wallMs: number): string {
  const d = new Date(wallMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `[${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`;
}

/** A quoted field as Apache writes it: `"` and `\` escaped, control bytes as \xHH, absent as "-". */
export function quoted(value: string | undefined): string {
  if (value === undefined || value === '') return '"-"';
  return `"${value.replace(/[\\"\x00-\x1f\x7f]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}"`;
}

export function combinedLine(e: CompletedRequest, idPrefix = DEFAULT_ID_PREFIX): string {
  const bytes = e.outcome.bytes === 0 ? '-' : String(e.outcome.bytes);
  const request = quoted(`${e.method} ${e.target} ${e.protocol}`);
  const extra = `rt=${(e.durationMs / 1000).toFixed(3)} cache=${e.outcome.kind} upstream=${upstreamOf(e.outcome)} id=${requestIdText(e.requestId, idPrefix)}${e.completed ? '' : ' aborted=1'}`;
  return `${e.clientAddress ?? '-'} - - ${clfTime(e.startWallMs)} ${request} ${e.status} ${bytes} ${quoted(e.referer)} ${quoted(e.userAgent)} ${extra}\n`;
}
