/**
 * Access-log lines from completed-request records: pure functions, one line each, newline
 * included. JSON is the default (one object per line, field names stable for log shippers);
 * `combined` is the Apache/nginx combined format, which every log analyser parses, followed by
 * the edge's own fields as `key=value` pairs (nginx's "combined plus" habit), so parsers that
 * stop after the user agent still work.
 */
import type { CompletedRequest } from '../pipeline/request-events.js';
import { upstreamOf } from '../pipeline/request-events.js';

export type AccessLogFormat = 'json' | 'combined';

export function formatAccessLine(format: AccessLogFormat, e: CompletedRequest): string {
  return format === 'json' ? jsonLine(e) : combinedLine(e);
}

/**
 * Built by hand rather than JSON.stringify of an object: this runs once per request, and only
 * the fields a client controls (target, request id) or that may hold odd bytes need escaping.
 */
export function jsonLine(e: CompletedRequest): string {
  return (
    `{"time":"${isoTime(e.startWallMs)}","client":${jsonString(e.clientAddress ?? '-')},"method":${jsonString(e.method)},` +
    `"target":${jsonString(e.target)},"protocol":${jsonString(e.protocol)},"status":${e.status},"bytes":${e.outcome.bytes},` +
    `"durationMs":${Math.round(e.durationMs * 1000) / 1000},"cache":"${e.outcome.kind}","upstream":${jsonString(upstreamOf(e.outcome))},` +
    `"requestId":${jsonString(e.requestId)}${e.completed ? '' : ',"aborted":true'}}\n`
  );
}

/** Printable ASCII other than `"` and `\`: the characters a JSON string holds as they are. */
const PLAIN_JSON = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * A JSON string literal. Nearly every value (addresses, methods, paths, ids) is plain ASCII and
 * needs no escaping; one regular-expression test is cheaper than JSON.stringify's general path,
 * which was most of a line's formatting cost (issue 18's access-log bench).
 */
export function jsonString(value: string): string {
  return PLAIN_JSON.test(value) ? `"${value}"` : JSON.stringify(value);
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[10/Oct/2000:13:55:36 +0000]`: Apache's %t, always in UTC. */
export function clfTime(wallMs: number): string {
  const d = new Date(wallMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `[${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`;
}

/** A quoted field as Apache writes it: `"` and `\` escaped, control bytes as \xHH, absent as "-". */
export function quoted(value: string | undefined): string {
  if (value === undefined || value === '') return '"-"';
  return `"${value.replace(/[\\"\x00-\x1f\x7f]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}"`;
}

export function combinedLine(e: CompletedRequest): string {
  const bytes = e.outcome.bytes === 0 ? '-' : String(e.outcome.bytes);
  const request = quoted(`${e.method} ${e.target} ${e.protocol}`);
  const extra = `rt=${(e.durationMs / 1000).toFixed(3)} cache=${e.outcome.kind} upstream=${upstreamOf(e.outcome)} id=${e.requestId}${e.completed ? '' : ' aborted=1'}`;
  return `${e.clientAddress ?? '-'} - - ${clfTime(e.startWallMs)} ${request} ${e.status} ${bytes} ${quoted(e.referer)} ${quoted(e.userAgent)} ${extra}\n`;
}
