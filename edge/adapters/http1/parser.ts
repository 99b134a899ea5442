import { METHODS } from 'node:http';

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
  /** Field names lower-cased, values with surrounding whitespace removed, in received order. */
  rawHeaders: Array<[string, string]>;
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

const HTTP_1_DOT = Buffer.from('HTTP/1.', 'latin1');

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
 */
export function parseRequestHead(buf: Buffer, limits: ParserLimits = DEFAULT_PARSER_LIMITS): HeadResult {
  let start = 0;
  while (start + 1 < buf.length && buf[start] === CR && buf[start + 1] === LF) start += 2;
  if (start > limits.maxHeadBytes) return reject(431, 'request head too large');
  if (start + 1 === buf.length && buf[start] === CR) return { kind: 'incomplete' };
  // A request line starts with a method token: say so at the first byte, not after 16 KiB.
  if (start < buf.length && TCHAR[buf[start]!] !== 1) return reject(400, 'invalid method');
  // One pass finds the empty line that ends the head and rejects a bare CR or LF anywhere before
  // it, whether or not the head is complete yet. It stops at the limit: nothing beyond is read.
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
  const result = parseHeadLines(buf, start, end, limits);
  if (result.kind === 'head') result.consumed = end + 4;
  return result;
}

function parseHeadLines(buf: Buffer, start: number, end: number, limits: ParserLimits): HeadResult {
  // Every CR in the head is followed by LF (checked above): the next CR ends the line.
  const lineEnd = buf.indexOf(CR, start);
  // Request line: method SP request-target SP HTTP-version (RFC 9112 §3).
  const sp1 = buf.indexOf(0x20, start);
  if (sp1 <= start || sp1 > lineEnd) return reject(400, 'malformed request line');
  for (let i = start; i < sp1; i++) if (TCHAR[buf[i]!] !== 1) return reject(400, 'invalid method');
  const sp2 = buf.indexOf(0x20, sp1 + 1);
  if (sp2 < 0 || sp2 > lineEnd || sp2 === sp1 + 1) return reject(400, 'malformed request line');
  for (let i = sp1 + 1; i < sp2; i++) if (!isTargetByte(buf[i]!)) return reject(400, 'invalid request target');
  let minorVersion: 0 | 1;
  if (lineEnd - sp2 === 9 && buf.compare(HTTP_1_DOT, 0, 7, sp2 + 1, sp2 + 8) === 0 && (buf[sp2 + 8] === 0x31 || buf[sp2 + 8] === 0x30)) {
    minorVersion = buf[sp2 + 8] === 0x31 ? 1 : 0;
  } else if (/^HTTP\/\d\.\d$/.test(buf.toString('latin1', sp2 + 1, lineEnd))) {
    return reject(505, 'unsupported HTTP version');
  } else {
    return reject(400, 'malformed HTTP version');
  }
  const method = buf.toString('latin1', start, sp1);
  if (!SERVED_METHODS.has(method)) return reject(501, 'method not implemented');
  const target = buf.toString('latin1', sp1 + 1, sp2);
  if (!targetFormOk(method, target)) return reject(400, 'invalid request target');

  const rawHeaders: Array<[string, string]> = [];
  let pos = lineEnd + 2;
  while (pos < end + 2) {
    const eol = buf.indexOf(CR, pos);
    const first = buf[pos]!;
    if (first === 0x20 || first === 0x09) return reject(400, 'obs-fold');
    const colon = buf.indexOf(0x3a, pos);
    if (colon < 0 || colon > eol) return reject(400, 'header line without a colon');
    if (colon === pos) return reject(400, 'empty header name');
    for (let i = pos; i < colon; i++) {
      const b = buf[i]!;
      if (TCHAR[b] !== 1) return reject(400, b === 0x20 || b === 0x09 ? 'whitespace before colon' : 'invalid header name');
    }
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && (buf[vs] === 0x20 || buf[vs] === 0x09)) vs++;
    while (ve > vs && (buf[ve - 1] === 0x20 || buf[ve - 1] === 0x09)) ve--;
    for (let i = vs; i < ve; i++) if (!isFieldValueByte(buf[i]!)) return reject(400, 'invalid header value');
    if (rawHeaders.length === limits.maxHeaderCount) return reject(431, 'too many header fields');
    rawHeaders.push([buf.toString('latin1', pos, colon).toLowerCase(), buf.toString('latin1', vs, ve)]);
    pos = eol + 2;
  }
  return finishHead(method, target, minorVersion, rawHeaders);
}

/** Framing, Host, Connection and Expect: the checks that need every field (RFC 9112 §6, §9; RFC 9110 §10.1.1). */
function finishHead(method: string, target: string, minorVersion: 0 | 1, rawHeaders: Array<[string, string]>): HeadResult {
  let contentLength: string | undefined;
  let transferEncoding: string | undefined;
  let hosts = 0;
  let connectionTokens: string[] = [];
  let expect: string | undefined;
  for (const [name, value] of rawHeaders) {
    switch (name) {
      case 'content-length':
        if (contentLength !== undefined) return reject(400, 'repeated Content-Length');
        contentLength = value;
        break;
      case 'transfer-encoding':
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        break;
      case 'host':
        hosts++;
        break;
      case 'connection':
        connectionTokens = connectionTokens.concat(value.toLowerCase().split(',').map((t) => t.trim()));
        break;
      case 'expect':
        if (expect !== undefined) return reject(400, 'repeated Expect');
        expect = value.toLowerCase();
        break;
      default:
        break;
    }
  }
  if (minorVersion === 1 && hosts !== 1) return reject(400, hosts === 0 ? 'missing Host' : 'repeated Host');
  if (hosts > 1) return reject(400, 'repeated Host');
  let framing: BodyFraming = { kind: 'none' };
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) return reject(400, 'Content-Length with Transfer-Encoding');
    if (minorVersion === 0) return reject(400, 'Transfer-Encoding in HTTP/1.0');
    if (transferEncoding.toLowerCase() !== 'chunked') return reject(501, 'unsupported transfer coding');
    framing = { kind: 'chunked' };
  } else if (contentLength !== undefined) {
    if (!/^\d{1,15}$/.test(contentLength)) return reject(400, 'invalid Content-Length');
    const bytes = Number(contentLength);
    framing = bytes === 0 ? { kind: 'none' } : { kind: 'length', bytes };
  }
  let expectContinue = false;
  if (expect !== undefined) {
    if (expect !== '100-continue') return reject(417, 'unsupported expectation');
    expectContinue = minorVersion === 1;
  }
  const keepAlive = connectionTokens.includes('close') ? false : minorVersion === 1 || connectionTokens.includes('keep-alive');
  return { kind: 'head', head: { method, target, minorVersion, rawHeaders, framing, keepAlive, expectContinue }, consumed: 0 };
}
