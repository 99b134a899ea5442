import { METHODS } from 'node:http';
import type { RequestHeaders } from '../../../common/http.js';
import { flatCopy } from '../../../common/flat-string.js';
import { addField, canonicalOrder, emptyHeaderObject } from '../../pipeline/incoming-request.js';
import { COMMON_NAMES, OTHER_NAME_RANK } from '../../pipeline/common-field-names.js';
import { FieldLineMemo, MEMO_MAX_HEAD_CHARS } from './field-line-memo.js';
import { commonFieldNameIndex, DistinctCommonNames } from './field-names.js';

/**
 * A strict HTTP/1.1 request-head parser (RFC 9112) and the body framing it implies. Pure: bytes in,
 * a parsed head or a rejection out; no sockets, no timers. Every client byte is hostile, so
 * anything RFC 9112 lets a server reject is rejected (with the status to answer and then close):
 * obs-fold, whitespace before a colon, bare CR or LF, control characters, invalid token characters,
 * Content-Length beside Transfer-Encoding, repeated Content-Length, unknown transfer codings,
 * missing or repeated Host on HTTP/1.1, heads beyond the size and field-count bounds, methods the
 * edge does not serve.
 */

/**
 * Methods accepted: those node:http's parser knows (the edge forwards every method, and the two
 * server layers must agree on which requests exist), except CONNECT, which the edge does not
 * tunnel. Any other token is a 501 (RFC 9110 §9.1: a method the server does not implement).
 */
export const SERVED_METHODS: ReadonlySet<string> = new Set(METHODS.filter((m) => m !== 'CONNECT'));

export interface ParserLimits {
  /** Bytes of request line plus header fields plus the empty line (431 beyond). Node's default: 16 KiB. */
  maxHeadBytes: number;
  /** Header fields per request (431 beyond). */
  maxHeaderCount: number;
}

export const DEFAULT_PARSER_LIMITS: ParserLimits = Object.freeze({ maxHeadBytes: 16 * 1024, maxHeaderCount: 100 });

export type BodyFraming = { kind: 'none' } | { kind: 'length'; bytes: number } | { kind: 'chunked' };

export interface RequestHead {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minorVersion: 0 | 1;
  /**
   * The header object the pipeline gets (edge/pipeline/incoming-request.ts): names lower-cased,
   * values with surrounding whitespace removed, repeated fields combined as node:http combines them,
   * fields in canonical field order.
   */
  headers: RequestHeaders;
  framing: BodyFraming;
  /** The connection may carry another request after this one (RFC 9112 §9.3). */
  keepAlive: boolean;
  /** `Expect: 100-continue` was sent (HTTP/1.1 only). */
  expectContinue: boolean;
}

export interface Rejection {
  status: 400 | 417 | 431 | 501 | 505;
  reason: string;
}

export type HeadResult = { kind: 'incomplete' } | { kind: 'head'; head: RequestHead; consumed: number } | { kind: 'reject'; rejection: Rejection };

const CR = 0x0d;
const LF = 0x0a;

/** tchar (RFC 9110 §5.6.2) as a lookup table. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** field-value octets: VCHAR, obs-text, SP, HTAB (RFC 9110 §5.5). */
function isFieldValueByte(b: number): boolean {
  return b === 0x09 || (b >= 0x20 && b !== 0x7f);
}

/** request-target octets: visible ASCII only (RFC 9112 §3.2; no whitespace, no controls, no obs-text). */
function isTargetByte(b: number): boolean {
  return b >= 0x21 && b <= 0x7e;
}

/**
 * origin-form (`/path?query`), absolute-form (`scheme://...`), or `*` for OPTIONS (RFC 9112 §3.2);
 * authority-form is CONNECT's, which the edge does not serve.
 */
function targetFormOk(method: string, target: string): boolean {
  if (target.charCodeAt(0) === 0x2f) return true;
  if (target === '*') return method === 'OPTIONS';
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]/.test(target);
}

function reject(status: Rejection['status'], reason: string): HeadResult {
  return { kind: 'reject', rejection: { status, reason } };
}

/**
 * Looks for a complete head at the start of `buf`. Leading empty lines (CRLF) before the request
 * line are skipped, as RFC 9112 §2.2 asks, but count toward `maxHeadBytes` (measured from the start
 * of `buf`), so endless empty lines cannot grow the connection's buffer. Incomplete input longer
 * than the limit is a 431.
 *
 * A complete head within the limit (nearly every request) is found with one native search for the
 * empty line and parsed from one latin1 string of it: the line checks below cover every byte of
 * every line, so a bare CR or LF inside the head fails them too. Only then, and for input without
 * a complete head, does the byte-by-byte scan run, which names a bare CR or LF as such and rejects
 * it before the head is complete.
 *
 * `memo`: the connection's FieldLineMemo. A complete, acceptable head is then parsed line by line,
 * without the search for the empty line, taking the field lines equal to the previous head's from
 * the memo instead of checking and splitting them again; anything else (an incomplete head, a
 * rejection) is decided by the path above, so the result is the same with or without a memo.
 */
export function parseRequestHead(buf: Buffer, limits: ParserLimits = DEFAULT_PARSER_LIMITS, memo?: FieldLineMemo): HeadResult {
  let start = 0;
  while (start + 1 < buf.length && buf[start] === CR && buf[start + 1] === LF) start += 2;
  if (start > limits.maxHeadBytes) return reject(431, 'request head too large');
  if (start + 1 === buf.length && buf[start] === CR) return { kind: 'incomplete' };
  // A request line starts with a method token: say so at the first byte, not after 16 KiB.
  if (start < buf.length && TCHAR[buf[start]!] !== 1) return reject(400, 'invalid method');
  // Most reads hold one whole request: a window that big is read as text first, and the whole
  // limit only when the head runs past it, so pipelined requests behind a head are not all copied.
  const available = Math.min(buf.length, limits.maxHeadBytes);
  let text = buf.toString('latin1', start, Math.min(available, start + FIRST_WINDOW_BYTES));
  // A read that ends a line (a whole request, nearly always) is parsed line by line with the memo;
  // a head that is not complete and acceptable in the window that way takes the path below.
  if (memo !== undefined && buf[buf.length - 1] === LF && text.length <= MEMO_MAX_HEAD_CHARS) {
    const parsed = parseHeadWithMemo(text, limits, memo);
    if (parsed !== undefined) {
      parsed.consumed += start;
      return parsed;
    }
  }
  let emptyLine = text.indexOf('\r\n\r\n');
  if (emptyLine < 0 && start + text.length < available) {
    text = buf.toString('latin1', start, available);
    emptyLine = text.indexOf('\r\n\r\n');
  }
  if (emptyLine < 0) return scanHead(buf, start, limits);
  const result = parseHeadLines(text, emptyLine + 2, limits);
  if (result.kind === 'head') {
    result.consumed = start + emptyLine + 4;
    return result;
  }
  // A line failed: if a bare CR or LF is why, say that (the scan finds it first).
  const scanned = scanHead(buf, start, limits);
  return scanned.kind === 'reject' ? scanned : result;
}

/** Bytes read as text for the first look for the end of a head (a browser's is about 1 KiB). */
const FIRST_WINDOW_BYTES = 4096;

/**
 * The byte-by-byte scan: finds the empty line that ends the head and rejects a bare CR or LF
 * anywhere before it, whether or not the head is complete yet. It stops at the limit: nothing
 * beyond is read.
 */
function scanHead(buf: Buffer, start: number, limits: ParserLimits): HeadResult {
  const scanLimit = Math.min(buf.length, limits.maxHeadBytes);
  let end = -1;
  for (let i = start; i < scanLimit; i++) {
    const b = buf[i]!;
    if (b === CR) {
      if (i + 1 < buf.length && buf[i + 1] !== LF) return reject(400, 'bare CR');
    } else if (b === LF) {
      if (i === start || buf[i - 1] !== CR) return reject(400, 'bare LF');
      // CR LF CR LF: every CR is checked to be followed by LF, so two LFs two bytes apart end the head.
      if (i - start >= 3 && buf[i - 2] === LF) {
        end = i - 3;
        break;
      }
    }
  }
  if (end < 0) return buf.length > limits.maxHeadBytes ? reject(431, 'request head too large') : { kind: 'incomplete' };
  const result = parseHeadLines(buf.toString('latin1', start, end + 2), end + 2 - start, limits);
  if (result.kind === 'head') result.consumed = end + 4;
  return result;
}

/**
 * `text[0, end)`: the head from the request line to the CRLF that ends its last line (the empty
 * line not included; what follows `end` is not read). Every byte of every line is checked: a line ends at its first CR, which must be
 * followed by LF, and the line's bytes before it are each checked against what may stand there.
 */
function parseHeadLines(text: string, end: number, limits: ParserLimits): HeadResult {
  const bad = parseRequestLine(text);
  if (bad !== undefined) return bad;
  const line = LINE;
  // One native pass checks every field line's bytes; only a head it fails is checked byte by
  // byte below, which finds the first bad line and names what is wrong with it.
  FIELD_LINES.lastIndex = line.fieldsStart;
  const linesValid = FIELD_LINES.test(text) && FIELD_LINES.lastIndex === end + 2;
  const fields = FIELDS.reset();
  let pos = line.fieldsStart;
  while (pos < end) {
    const eol = text.indexOf('\r', pos);
    const colon = text.indexOf(':', pos);
    if (!linesValid) {
      const bad = fieldLineRejection(text, pos, eol, colon);
      if (bad !== undefined) return bad;
    }
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (text.charCodeAt(vs) === 0x20 || text.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 0x20 || text.charCodeAt(ve - 1) === 0x09)) ve--;
    if (fields.count === limits.maxHeaderCount) return reject(431, 'too many header fields');
    const index = commonFieldNameIndex(text, pos, colon);
    fields.add(index, index < 0 ? text.slice(pos, colon).toLowerCase() : COMMON_NAMES[index]!, text.slice(vs, ve));
    pos = eol + 2;
  }
  return finishHead(line.method, line.target, line.minorVersion, fields);
}

/**
 * The head at the start of `text` parsed line by line with the connection's memo
 * (field-line-memo.ts): field lines equal to the previous head's at the same index take their name
 * and value from it (a run of stable ones compared as one block); any other line is checked on its
 * own with FIELD_LINE (the bytes FIELD_LINES allows in one line), split and remembered. A line
 * equal to one accepted before is acceptable by its bytes alone. Only a complete head whose every
 * line is acceptable comes back (its first CRLF CRLF is then where the field lines end, as no line
 * holds a CR or LF); undefined for anything else, which parseRequestHead then decides without the
 * memo, so rejections and their reasons are exactly those of the path without it.
 */
function parseHeadWithMemo(text: string, limits: ParserLimits, memo: FieldLineMemo): (HeadResult & { kind: 'head' }) | undefined {
  if (parseRequestLine(text) !== undefined) return undefined;
  const line = LINE;
  const fields = FIELDS.reset();
  const end = fieldLinesWithMemo(text, line.fieldsStart, limits, memo, fields);
  if (end < 0) {
    // Entries may now point into this text while memo.text is the previous one: start over.
    memo.clear();
    return undefined;
  }
  const result = finishHead(line.method, line.target, line.minorVersion, fields);
  if (result.kind !== 'head') return undefined;
  result.consumed = end + 2;
  return result;
}

/**
 * Adds the field lines from `pos` on to `fields` and updates `memo` to point into `text`;
 * returns where the empty line starts, or -1 when there is no complete, acceptable field section
 * within the limits in `text`.
 */
function fieldLinesWithMemo(text: string, pos: number, limits: ParserLimits, memo: FieldLineMemo, fields: HeadFields): number {
  const old = memo.text;
  const known = memo.count;
  const maxCount = limits.maxHeaderCount;
  let k = 0;
  while (text.charCodeAt(pos) !== CR) {
    if (k < known && memo.stable[k] === true) {
      let m = k + 1;
      while (m < known && memo.stable[m] === true) m++;
      const from = memo.starts[k]!;
      const blockLength = memo.ends[m - 1]! + 2 - from;
      if (fields.count + (m - k) <= maxCount && text.slice(pos, pos + blockLength) === old.slice(from, from + blockLength)) {
        // Lines k..m-1 are the remembered ones, shifted by `pos - from`.
        for (; k < m; k++) {
          const s = memo.starts[k]! - from + pos;
          // A line stable twice in a row keeps its name and value as flat strings of their own
          // (detached from the head they came from: common/flat-string.ts), so a browser's dozen
          // repeated fields cost no slice each.
          const name = memo.names[k] ?? (memo.ownNames[k] ??= flatCopy(text.slice(s, s + memo.nameEnds[k]!).toLowerCase()));
          fields.add(memo.nameIndexes[k]!, name, (memo.values[k] ??= flatCopy(text.slice(s + memo.valueStarts[k]!, s + memo.valueEnds[k]!))));
          memo.ends[k] = memo.ends[k]! - memo.starts[k]! + s;
          memo.starts[k] = s;
        }
        pos += blockLength;
        continue;
      }
      for (let j = k; j < m; j++) memo.unsettle(j);
    }
    const eol = text.indexOf('\r', pos);
    if (eol < 0 || fields.count === maxCount) return -1;
    if (k < known && memo.ends[k]! - memo.starts[k]! === eol - pos && text.charCodeAt(eol + 1) === LF && text.slice(pos, eol) === old.slice(memo.starts[k]!, memo.ends[k]!)) {
      fields.add(memo.nameIndexes[k]!, memo.names[k] ?? text.slice(pos, pos + memo.nameEnds[k]!).toLowerCase(), text.slice(pos + memo.valueStarts[k]!, pos + memo.valueEnds[k]!));
      memo.stable[k] = true;
    } else {
      FIELD_LINE.lastIndex = pos;
      if (!FIELD_LINE.test(text)) return -1;
      const colon = text.indexOf(':', pos);
      let vs = colon + 1;
      let ve = eol;
      while (vs < ve && (text.charCodeAt(vs) === 0x20 || text.charCodeAt(vs) === 0x09)) vs++;
      while (ve > vs && (text.charCodeAt(ve - 1) === 0x20 || text.charCodeAt(ve - 1) === 0x09)) ve--;
      const index = commonFieldNameIndex(text, pos, colon);
      const common = index < 0 ? undefined : COMMON_NAMES[index]!;
      fields.add(index, common ?? text.slice(pos, colon).toLowerCase(), text.slice(vs, ve));
      memo.names[k] = common;
      memo.nameIndexes[k] = index;
      memo.nameEnds[k] = colon - pos;
      memo.valueStarts[k] = vs - pos;
      memo.valueEnds[k] = ve - pos;
      memo.unsettle(k);
    }
    memo.starts[k] = pos;
    memo.ends[k] = eol;
    pos = eol + 2;
    k++;
  }
  // The empty line: CR LF (a CR alone, or nothing yet after it, is for the path without the memo).
  if (text.charCodeAt(pos + 1) !== LF) return -1;
  memo.settle(text, k);
  return pos;
}

/** The request line's parts, and where the field lines start (after its CRLF). */
interface RequestLine {
  method: string;
  target: string;
  minorVersion: 0 | 1;
  fieldsStart: number;
}

/**
 * Where parseRequestLine puts what it parsed: one record for the module, not one per request (a
 * browser-like hit allocates about 2.5 KB, and each byte less spaces the scavenges that stall every
 * connection further apart). Safe to share: it is written and read within one synchronous parse
 * (the head keeps the strings, which never change), so nothing carries from one call to the next.
 * Between parses it still holds the last target, which may be a view of that head's text: one head
 * (at most maxHeadBytes) kept until the next parse on any connection.
 */
const LINE: RequestLine = { method: '', target: '', minorVersion: 1, fieldsStart: 0 };

/** Request line: method SP request-target SP HTTP-version CRLF (RFC 9112 §3), at the start of `text`, into LINE; the rejection when it is not one. */
function parseRequestLine(text: string): HeadResult | undefined {
  const lineEnd = text.indexOf('\r');
  if (text.charCodeAt(lineEnd + 1) !== LF) return reject(400, 'bare CR');
  const sp1 = text.indexOf(' ');
  if (sp1 <= 0 || sp1 > lineEnd) return reject(400, 'malformed request line');
  for (let i = 0; i < sp1; i++) if (TCHAR[text.charCodeAt(i)] !== 1) return reject(400, 'invalid method');
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 > lineEnd || sp2 === sp1 + 1) return reject(400, 'malformed request line');
  for (let i = sp1 + 1; i < sp2; i++) if (!isTargetByte(text.charCodeAt(i))) return reject(400, 'invalid request target');
  let minorVersion: 0 | 1;
  if (lineEnd - sp2 === 9 && text.startsWith('HTTP/1.', sp2 + 1) && (text.charCodeAt(sp2 + 8) === 0x31 || text.charCodeAt(sp2 + 8) === 0x30)) {
    minorVersion = text.charCodeAt(sp2 + 8) === 0x31 ? 1 : 0;
  } else if (/^HTTP\/\d\.\d$/.test(text.slice(sp2 + 1, lineEnd))) {
    return reject(505, 'unsupported HTTP version');
  } else {
    return reject(400, 'malformed HTTP version');
  }
  // GET and HEAD, nearly every request, as the constant strings: no slice, and no hash for the
  // look-up below or for the pipeline's comparisons with 'GET' and 'HEAD'.
  const method = sp1 === 3 && text.startsWith('GET') ? 'GET' : sp1 === 4 && text.startsWith('HEAD') ? 'HEAD' : text.slice(0, sp1);
  if (!SERVED_METHODS.has(method)) return reject(501, 'method not implemented');
  const target = text.slice(sp1 + 1, sp2);
  if (!targetFormOk(method, target)) return reject(400, 'invalid request target');

  LINE.method = method;
  LINE.target = target;
  LINE.minorVersion = minorVersion;
  LINE.fieldsStart = lineEnd + 2;
  return undefined;
}

/**
 * Field lines (RFC 9112 §5, RFC 9110 §5.5), from the sticky start to the empty line that ends the
 * head: a token name, a colon, then only HTAB, SP, VCHAR and obs-text up to CRLF. Linear: no two parts of a line
 * can match the same byte, so a failing line is never tried in more than one way.
 */
const FIELD_LINES = /(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*\r\n)*\r\n/y;

/** One field line of FIELD_LINES, with its CRLF, from the sticky start. */
const FIELD_LINE = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*\r\n/y;

/** What is wrong with the field line `text[pos, eol)`, checked byte by byte; undefined when nothing is. */
function fieldLineRejection(text: string, pos: number, eol: number, colon: number): HeadResult | undefined {
  if (text.charCodeAt(eol + 1) !== LF) return reject(400, 'bare CR');
  const first = text.charCodeAt(pos);
  if (first === 0x20 || first === 0x09) return reject(400, 'obs-fold');
  if (colon < 0 || colon > eol) return reject(400, 'header line without a colon');
  if (colon === pos) return reject(400, 'empty header name');
  for (let i = pos; i < colon; i++) {
    const b = text.charCodeAt(i);
    if (TCHAR[b] !== 1) return reject(400, b === 0x20 || b === 0x09 ? 'whitespace before colon' : 'invalid header name');
  }
  for (let i = colon + 1; i < eol; i++) if (!isFieldValueByte(text.charCodeAt(i))) return reject(400, 'invalid header value');
  return undefined;
}

/** COMMON_NAMES indexes of the fields finishHead reads. */
const CONTENT_LENGTH = COMMON_NAMES.indexOf('content-length');
const TRANSFER_ENCODING = COMMON_NAMES.indexOf('transfer-encoding');
const HOST = COMMON_NAMES.indexOf('host');
const CONNECTION = COMMON_NAMES.indexOf('connection');
const EXPECT = COMMON_NAMES.indexOf('expect');

/**
 * The fields of the head being parsed, as each is added: the names and values (for the header
 * object, built once the head is complete, in canonical field order: incoming-request.ts) and
 * what finishHead needs of framing, Host, Connection and Expect, tallied on the way rather than
 * found again in a field list afterwards (a browser-like head's list was ~290 bytes per request).
 * One record for the module, reset at each parse, like LINE; only the header object leaves it, in
 * the head. The names and values of the last head stay referenced here until the next parse
 * blanks them (a value can be a view of its whole head text, an Authorization or Cookie among them).
 */
class HeadFields {
  count = 0;
  private readonly names = new DistinctCommonNames();
  private readonly fieldNames: string[] = [];
  private readonly values: string[] = [];
  /** Each field's canonical rank: its COMMON_NAMES index, OTHER_NAME_RANK for any other name. */
  private readonly ranks: number[] = [];
  /** Every rank so far at least the one before (a Host-only head, and any client that sends canonical order). */
  private inOrder = true;
  private readonly order: number[] = [];
  contentLength: string | undefined = undefined;
  transferEncoding: string | undefined = undefined;
  hosts = 0;
  connectionClose = false;
  connectionKeepAlive = false;
  expect: string | undefined = undefined;
  /** The first repeat that makes the head unacceptable whatever else it holds, in field order. */
  repeated: string | undefined = undefined;

  reset(): this {
    // Every slot any head filled is below its count: blanking the last head's leaves none behind.
    for (let k = 0; k < this.count; k++) {
      this.fieldNames[k] = '';
      this.values[k] = '';
    }
    this.count = 0;
    this.inOrder = true;
    this.names.reset();
    this.contentLength = undefined;
    this.transferEncoding = undefined;
    this.hosts = 0;
    this.connectionClose = false;
    this.connectionKeepAlive = false;
    this.expect = undefined;
    this.repeated = undefined;
    return this;
  }

  /** A field: `index` is its name's in COMMON_NAMES, -1 for any other name. */
  add(index: number, name: string, value: string): void {
    const k = this.count++;
    this.names.add(index);
    this.fieldNames[k] = name;
    this.values[k] = value;
    const rank = index < 0 ? OTHER_NAME_RANK : index;
    if (k > 0 && rank < this.ranks[k - 1]!) this.inOrder = false;
    this.ranks[k] = rank;
    if (index < 0) return;
    if (index === CONTENT_LENGTH) {
      if (this.contentLength !== undefined) this.repeated ??= 'repeated Content-Length';
      this.contentLength = value;
    } else if (index === TRANSFER_ENCODING) {
      this.transferEncoding = this.transferEncoding === undefined ? value : `${this.transferEncoding}, ${value}`;
    } else if (index === HOST) {
      this.hosts++;
    } else if (index === CONNECTION) {
      const lower = value.toLowerCase();
      if (hasListToken(lower, 'close')) this.connectionClose = true;
      if (hasListToken(lower, 'keep-alive')) this.connectionKeepAlive = true;
    } else if (index === EXPECT) {
      if (this.expect !== undefined) this.repeated ??= 'repeated Expect';
      this.expect = value.toLowerCase();
    }
  }

  /** The header object, its fields in canonical field order (incoming-request.ts). */
  headers(): Record<string, string | string[]> {
    const out = emptyHeaderObject();
    const n = this.count;
    // Every name a common one, none repeated (never set-cookie): addField would store each as is.
    const direct = this.names.distinct;
    // Fields already in canonical order (a Host-only head, a client that sends that order) need no sort.
    const order = this.inOrder ? undefined : canonicalOrder(this.ranks, n, this.order);
    for (let j = 0; j < n; j++) {
      const k = order === undefined ? j : order[j]!;
      if (direct) out[this.fieldNames[k]!] = this.values[k]!;
      else addField(out, this.fieldNames[k]!, this.values[k]!);
    }
    return out;
  }
}

const FIELDS = new HeadFields();

/** Framing, Host, Connection and Expect: the checks that need every field (RFC 9112 §6, §9; RFC 9110 §10.1.1). */
function finishHead(method: string, target: string, minorVersion: 0 | 1, fields: HeadFields): HeadResult {
  if (fields.repeated !== undefined) return reject(400, fields.repeated);
  const { contentLength, transferEncoding, hosts, expect } = fields;
  if (minorVersion === 1 && hosts !== 1) return reject(400, hosts === 0 ? 'missing Host' : 'repeated Host');
  if (hosts > 1) return reject(400, 'repeated Host');
  let framing: BodyFraming = NO_BODY;
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) return reject(400, 'Content-Length with Transfer-Encoding');
    if (minorVersion === 0) return reject(400, 'Transfer-Encoding in HTTP/1.0');
    if (transferEncoding.toLowerCase() !== 'chunked') return reject(501, 'unsupported transfer coding');
    framing = CHUNKED;
  } else if (contentLength !== undefined) {
    if (!/^\d{1,15}$/.test(contentLength)) return reject(400, 'invalid Content-Length');
    const bytes = Number(contentLength);
    framing = bytes === 0 ? NO_BODY : { kind: 'length', bytes };
  }
  let expectContinue = false;
  if (expect !== undefined) {
    if (expect !== '100-continue') return reject(417, 'unsupported expectation');
    expectContinue = minorVersion === 1;
  }
  const keepAlive = fields.connectionClose ? false : minorVersion === 1 || fields.connectionKeepAlive;
  return { kind: 'head', head: { method, target, minorVersion, headers: fields.headers(), framing, keepAlive, expectContinue }, consumed: 0 };
}

/** The framings without a length, shared by every request (nothing writes to a head's framing). */
const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });

/**
 * Whether the comma-separated list `lower` (lower-cased) has `token` as a member, with optional
 * whitespace (SP, HTAB) around members (RFC 9110 §5.6.1), as split(',') and trim() would find it
 * but without an array per Connection field.
 */
export function hasListToken(lower: string, token: string): boolean {
  let from = 0;
  for (;;) {
    const at = lower.indexOf(token, from);
    if (at < 0) return false;
    let before = at - 1;
    while (before >= 0 && isOws(lower.charCodeAt(before))) before--;
    let after = at + token.length;
    while (after < lower.length && isOws(lower.charCodeAt(after))) after++;
    if ((before < 0 || lower.charCodeAt(before) === 0x2c) && (after === lower.length || lower.charCodeAt(after) === 0x2c)) return true;
    from = at + 1;
  }
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
