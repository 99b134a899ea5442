/**
 * Serializing a response head (RFC 9112 §4, §6): status line, the pipeline's fields, and the
 * framing and connection fields this layer owns. Pure; throws on a field node:http would refuse
 * (a name that is not a token, a value with anything but HTAB, SP, VCHAR and obs-text), which the
 * connection answers with a 502. The head is written as latin1, which keeps only a character's low
 * byte: a value with U+010D U+010A would otherwise go out as CR LF and split the response.
 */
import { STATUS_CODES } from 'node:http';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A field node:http would write: a token name and a field-content value. */
export function isWritableField(name: string, value: string): boolean {
  return TOKEN.test(name) && isFieldContent(value);
}

/**
 * Field-content (RFC 9110 §5.5), as node:http's own check: HTAB, SP, VCHAR and obs-text, so no
 * control character and no code point above U+00FF. A loop rather than a regex: for the short
 * values written per hit it is cheaper than a call into the regex engine.
 */
function isFieldContent(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 ? c !== 0x09 : c === 0x7f || c > 0xff) return false;
  }
  return true;
}

export type BodyPlan = { kind: 'none' } | { kind: 'length'; bytes: number } | { kind: 'chunked' } | { kind: 'close-delimited' };

export interface ResponseHeadInput {
  status: number;
  /** `[name, value, ...]` from the pipeline. */
  headers: readonly string[];
  /** Request method, minor version and whether the connection stays open after this response. */
  method: string;
  minorVersion: 0 | 1;
  keepAlive: boolean;
  /** Bytes of a Buffer body; undefined for a streamed body; null for no body at all. */
  bodyBytes: number | undefined | null;
  /** The Date field for responses that lack one (RFC 9110 §6.6.1: an origin server MUST send it; node adds it). */
  date: string;
}

/** 1xx, 204 and 304 never have content; HEAD's answer has none either (RFC 9112 §6.3). */
export function bodyForbidden(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * The status line and the pipeline's fields, serialized, and what the framing needs to know of
 * them. Independent of the request, so a reused answer (EdgeResponse.wire) keeps it: a hit then
 * writes these bytes as they are.
 */
export interface FieldBlock {
  readonly bytes: Buffer;
  readonly hasDate: boolean;
  readonly contentLength: string | undefined;
  readonly pipelineChunked: boolean;
  readonly closeRequested: boolean;
}

/** `end`: the fields `headers[0, end)` only (a reused answer's fields that do not change; see serializeChangingFields). */
export function serializeFieldBlock(status: number, headers: readonly string[], end: number = headers.length): FieldBlock {
  let hasDate = false;
  let contentLength: string | undefined;
  let pipelineChunked = false;
  let closeRequested = false;
  let lines = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (let i = 0; i + 1 < end; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    checkField(name, value);
    const lower = name.toLowerCase();
    if (lower === 'connection') {
      if (value.toLowerCase().split(',').some((t) => t.trim() === 'close')) closeRequested = true;
      continue; // this layer writes Connection itself
    }
    if (lower === 'keep-alive') continue;
    if (lower === 'transfer-encoding') {
      pipelineChunked = true;
      continue; // framing is ours: re-derived per response
    }
    if (lower === 'content-length') contentLength = value;
    if (lower === 'date') hasDate = true;
    lines += `${name}: ${value}\r\n`;
  }
  return { bytes: Buffer.from(lines, 'latin1'), hasDate, contentLength, pipelineChunked, closeRequested };
}

function checkField(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new Error(`invalid response header name ${JSON.stringify(name)}`);
  if (!isFieldContent(value)) throw new Error(`invalid value for response header ${name}`);
}

/** Fields this layer reads to frame a response: they must be in a FieldBlock, whose flags record them. */
const FRAMING_FIELDS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/**
 * `headers[from, end)`, the fields of a reused answer that change between responses (EdgeResponse.wire.changingFrom:
 * a hit's Age and Cache-Status), checked and serialized for one response; they follow its kept
 * FieldBlock. A framing field there is a programmer error: the block's flags would not know it.
 */
export function serializeChangingFields(headers: readonly string[], from: number): string {
  checkChangingFields(headers, from);
  let lines = '';
  for (let i = from; i + 1 < headers.length; i += 2) lines += `${headers[i]!}: ${headers[i + 1]!}\r\n`;
  return lines;
}

/** Checks `headers[from, end)` as serializeChangingFields does; returns how many bytes they serialize to. */
export function checkChangingFields(headers: readonly string[], from: number): number {
  let bytes = 0;
  for (let i = from; i + 1 < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    // A hit's own two names need neither the token test nor the framing look-up (they are known to
    // pass both); their values, built per response, are checked like any other.
    if (name !== 'age' && name !== 'cache-status') {
      if (!TOKEN.test(name)) throw new Error(`invalid response header name ${JSON.stringify(name)}`);
      if (FRAMING_FIELDS.has(name.toLowerCase())) throw new Error(`${name} cannot be a changing field of a reused answer`);
    }
    if (!isFieldContent(value)) throw new Error(`invalid value for response header ${name}`);
    bytes += name.length + value.length + 4;
  }
  return bytes;
}

/**
 * Writes `headers[from, end)`, already checked by checkChangingFields, as field lines into
 * `target` at `offset` (one byte per character: checked values hold none above U+00FF); returns
 * the offset after them. No string is built for them on the way.
 */
export function writeChangingFields(target: Uint8Array, offset: number, headers: readonly string[], from: number): number {
  let at = offset;
  for (let i = from; i + 1 < headers.length; i += 2) {
    at = writeLatin1(target, at, headers[i]!);
    target[at++] = 0x3a; // ':'
    target[at++] = 0x20;
    at = writeLatin1(target, at, headers[i + 1]!);
    target[at++] = 0x0d;
    target[at++] = 0x0a;
  }
  return at;
}

/** `text` as latin1 bytes at `offset` (short texts: a loop is cheaper than a call into Buffer's native write). */
export function writeLatin1(target: Uint8Array, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) target[offset + i] = text.charCodeAt(i);
  return offset + text.length;
}

export interface ResponseHead {
  /** Status line and the pipeline's fields. */
  block: FieldBlock;
  /** This response's own fields (Date, framing, Connection) and the empty line. */
  tail: string;
  plan: BodyPlan;
  keepAlive: boolean;
}

/**
 * `block`: a FieldBlock kept from an earlier response with the same status and headers;
 * `changing`: serialized fields that follow it in this response only (serializeChangingFields).
 */
export function serializeResponseHead(o: ResponseHeadInput, block: FieldBlock = serializeFieldBlock(o.status, o.headers), changing = ''): ResponseHead {
  let keepAlive = o.keepAlive && !block.closeRequested;
  const contentLength = block.contentLength;
  let tail = block.hasDate ? changing : `${changing}Date: ${o.date}\r\n`;
  let plan: BodyPlan;
  if (bodyForbidden(o.method, o.status)) {
    plan = { kind: 'none' };
  } else if (o.bodyBytes === null) {
    plan = { kind: 'length', bytes: 0 };
    if (contentLength === undefined) tail += 'Content-Length: 0\r\n';
  } else if (o.bodyBytes !== undefined) {
    plan = { kind: 'length', bytes: o.bodyBytes };
    if (contentLength === undefined) tail += `Content-Length: ${o.bodyBytes}\r\n`;
  } else if (contentLength !== undefined && !block.pipelineChunked && /^\d+$/.test(contentLength)) {
    plan = { kind: 'length', bytes: Number(contentLength) };
  } else if (o.minorVersion === 1) {
    if (contentLength !== undefined) throw new Error('streamed body with an unusable Content-Length');
    plan = { kind: 'chunked' };
    tail += 'Transfer-Encoding: chunked\r\n';
  } else {
    plan = { kind: 'close-delimited' };
    keepAlive = false;
  }
  if (keepAlive) {
    if (o.minorVersion === 0) tail += 'Connection: keep-alive\r\n';
  } else {
    tail += 'Connection: close\r\n';
  }
  return { block, tail: `${tail}\r\n`, plan, keepAlive };
}
