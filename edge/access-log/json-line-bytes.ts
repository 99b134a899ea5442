/**
 * The JSON access-log line written straight into a byte buffer: the same text as
 * `JSON.stringify` of the line's fields in order (test/edge/access-log/json-line-bytes.test.ts),
 * without the strings in between. Building the line as a template string cost more than its
 * fields: one string per quoted field, a rope of ~25 pieces, and then flattening and encoding
 * it into the chunk (issue 18's access-log bench, loadtests/bench/access-log-cpu.ts).
 *
 * Copying bytes one at a time from JavaScript costs about a nanosecond each, so a 220-byte line
 * written whole cost ~300-700 ns, most of the log's cost per request; a native copy of the same
 * bytes costs ~25 ns. A busy edge's consecutive lines mostly repeat each other (the same
 * millisecond, client, method, protocol, status, outcome, upstream, the id prefix), so
 * `JsonLineWriter` remembers where each field of its previous line lies and, for every run of
 * fields whose values equal the previous line's, copies that run of the previous line's bytes
 * with one `copyWithin`; only the changed fields (the duration, the id's digits, often the target)
 * are written byte by byte. Printable-ASCII values (nearly all: addresses, methods, paths, ids)
 * are copied byte by byte; anything else falls back to JSON.stringify's escaping, as UTF-8.
 */
import type { CompletedRequest } from '../pipeline/request-events.js';
import { upstreamOf } from '../pipeline/request-events.js';

/** Bytes a JSON string value of n UTF-16 units can take at most: `\uXXXX` is 6 for one unit. */
const MAX_BYTES_PER_UNIT = 6;
/** The line's fixed text, the time, the numbers and the quotes around values, with room to spare. */
const FIXED_BYTES = 384;

/** An upper bound of the bytes a line takes for this record (`idPrefix`: the log's prefix of its own ids): the room it must be given. */
export function jsonLineMaxBytes(e: CompletedRequest, idPrefix: string): number {
  const id = typeof e.requestId === 'string' ? e.requestId.length : idPrefix.length + 16;
  const values = (e.clientAddress?.length ?? 1) + e.method.length + e.target.length + e.protocol.length + e.outcome.kind.length + upstreamOf(e.outcome).length + id;
  return FIXED_BYTES + MAX_BYTES_PER_UNIT * values;
}

/** The line's fields, in the order they are written; a run of equal ones is copied from the previous line. */
const enum Field {
  Time,
  Client,
  Method,
  Target,
  Protocol,
  Status,
  Bytes,
  /** `,"durationMs":` alone: the duration changes every line, its name is copied with the run before it. */
  DurationName,
  Duration,
  Cache,
  Upstream,
  /** `,"requestId":"<prefix>-` for the edge's own ids, `,"requestId":` for a client's. */
  IdHead,
  /** The own id's base-36 digits and the closing quote, or the client's id as a JSON string. Never copied. */
  IdTail,
  /** `,"aborted":true` when the response was not complete, then `}` and the newline. */
  End,
}
const FIELDS = Field.End + 1;

/**
 * Writes JSON lines, each at the position it is given, reusing the bytes of the line it wrote
 * last when that line lies earlier in the same buffer. One writer per log: it remembers its
 * previous line. The caller must not change bytes of the previous line before the next write
 * (the access log never does: written bytes are handed to the sink and left alone).
 */
export class JsonLineWriter {
  /** The buffer the previous line was written in, or undefined before the first line. */
  private buf: Buffer | undefined;
  /** Where each field of the previous line starts, and (last) where that line ends. */
  private starts = new Int32Array(FIELDS + 1);
  private nextStarts = new Int32Array(FIELDS + 1);
  /** The previous line's values, compared with ===. */
  private timeMs = Number.NaN;
  private client: string | undefined;
  private method = '';
  private target = '';
  private protocol = '';
  private status = -1;
  private bytes = -1;
  private kind = '';
  private upstream = '';
  private ownId = false;
  private completed = false;
  /** The second `isoSecond` is for, and `{"time":"` with its ISO text up to the milliseconds (`…T07:00:00.`). */
  private isoSecondMs = Number.NaN;
  private isoSecond = '';
  private readonly idHead: string;

  /** `idPrefix`: what the edge's own (numbered) request ids start with (request-id.ts). */
  constructor(idPrefix: string) {
    // Programmer error: the prefix is written as ASCII, unescaped.
    if (!/^[\x21-\x7e]{0,64}$/.test(idPrefix) || /["\\]/.test(idPrefix)) throw new Error(`request id prefix must be printable ASCII without quotes or backslashes: ${JSON.stringify(idPrefix)}`);
    this.idHead = `,"requestId":"${idPrefix}-`;
  }

  /** Writes the line (newline included) at `pos`; `buf` must have `jsonLineMaxBytes(e)` bytes free there. Returns the end. */
  write(buf: Buffer, pos: number, e: CompletedRequest): number {
    // The previous line is reusable only where it lies wholly before this one, in the same buffer.
    const reuse = buf === this.buf && this.starts[FIELDS]! <= pos;
    const prev = this.starts;
    const next = this.nextStarts;
    const timeMs = Math.floor(e.startWallMs);
    const client = e.clientAddress;
    const upstream = upstreamOf(e.outcome);
    const ownId = typeof e.requestId === 'number';
    let p = pos;
    // The pending copy: previous-line bytes [runFrom, runTo) go to runAt.
    let runFrom = -1;
    let runTo = -1;
    let runAt = 0;
    for (let f = 0; f < FIELDS; f++) {
      next[f] = p;
      if (reuse && this.same(f, timeMs, client, e, upstream, ownId)) {
        if (runTo !== prev[f]) {
          if (runFrom >= 0) buf.copyWithin(runAt, runFrom, runTo);
          runFrom = prev[f]!;
          runAt = p;
        }
        runTo = prev[f + 1]!;
        p += runTo - prev[f]!;
        continue;
      }
      p = this.field(f, buf, p, e, timeMs, client, upstream);
    }
    if (runFrom >= 0) buf.copyWithin(runAt, runFrom, runTo);
    next[FIELDS] = p;
    this.nextStarts = prev;
    this.starts = next;
    this.buf = buf;
    this.timeMs = timeMs;
    this.client = client;
    this.method = e.method;
    this.target = e.target;
    this.protocol = e.protocol;
    this.status = e.status;
    this.bytes = e.outcome.bytes;
    this.kind = e.outcome.kind;
    this.upstream = upstream;
    this.ownId = ownId;
    this.completed = e.completed;
    return p;
  }

  /**
   * `{"time":"2026-12-02T07:00:00.123Z"`: toISOString (~0.3 µs) once per second, the milliseconds'
   * digits per line. Years outside 0000-9999 (which toISOString writes with a sign) take the slow way.
   */
  private time(buf: Buffer, p: number, timeMs: number): number {
    const ms = timeMs - Math.floor(timeMs / 1000) * 1000;
    const secondMs = timeMs - ms;
    if (secondMs !== this.isoSecondMs) {
      this.isoSecondMs = secondMs;
      const iso = new Date(secondMs).toISOString();
      // `…:SS.` when the text has the usual shape, else the whole text is made per line.
      this.isoSecond = iso.length === 24 ? `{"time":"${iso.slice(0, 20)}` : '';
    }
    if (this.isoSecond === '') return ascii(buf, p, `{"time":"${new Date(timeMs).toISOString()}"`);
    p = ascii(buf, p, this.isoSecond);
    const hundreds = (ms / 100) | 0;
    const tens = ((ms - hundreds * 100) / 10) | 0;
    buf[p] = 0x30 + hundreds;
    buf[p + 1] = 0x30 + tens;
    buf[p + 2] = 0x30 + ms - hundreds * 100 - tens * 10;
    buf[p + 3] = 0x5a; // Z
    buf[p + 4] = 0x22; // "
    return p + 5;
  }

  /** The field has the value it had in the previous line, so its bytes are the same. */
  private same(f: Field, timeMs: number, client: string | undefined, e: CompletedRequest, upstream: string, ownId: boolean): boolean {
    switch (f) {
      case Field.Time:
        return timeMs === this.timeMs;
      case Field.Client:
        return client === this.client;
      case Field.Method:
        return e.method === this.method;
      case Field.Target:
        return e.target === this.target;
      case Field.Protocol:
        return e.protocol === this.protocol;
      case Field.Status:
        return e.status === this.status;
      case Field.Bytes:
        return e.outcome.bytes === this.bytes;
      case Field.DurationName:
        return true;
      case Field.Duration:
        return false;
      case Field.Cache:
        return e.outcome.kind === this.kind;
      case Field.Upstream:
        return upstream === this.upstream;
      case Field.IdHead:
        return ownId && this.ownId;
      case Field.IdTail:
        return false;
      case Field.End:
        return e.completed === this.completed;
    }
  }

  private field(f: Field, buf: Buffer, p: number, e: CompletedRequest, timeMs: number, client: string | undefined, upstream: string): number {
    switch (f) {
      case Field.Time:
        return this.time(buf, p, timeMs);
      case Field.Client:
        return jsonString(buf, ascii(buf, p, ',"client":'), client ?? '-');
      case Field.Method:
        return jsonString(buf, ascii(buf, p, ',"method":'), e.method);
      case Field.Target:
        return jsonString(buf, ascii(buf, p, ',"target":'), e.target);
      case Field.Protocol:
        return jsonString(buf, ascii(buf, p, ',"protocol":'), e.protocol);
      case Field.Status:
        return number(buf, ascii(buf, p, ',"status":'), e.status);
      case Field.Bytes:
        return number(buf, ascii(buf, p, ',"bytes":'), e.outcome.bytes);
      case Field.DurationName:
        return ascii(buf, p, ',"durationMs":');
      case Field.Duration:
        return milliseconds(buf, p, e.durationMs);
      case Field.Cache:
        return jsonString(buf, ascii(buf, p, ',"cache":'), e.outcome.kind);
      case Field.Upstream:
        return jsonString(buf, ascii(buf, p, ',"upstream":'), upstream);
      case Field.IdHead:
        return typeof e.requestId === 'number' ? ascii(buf, p, this.idHead) : ascii(buf, p, ',"requestId":');
      case Field.IdTail:
        if (typeof e.requestId === 'string') return jsonString(buf, p, e.requestId);
        p = base36(buf, p, e.requestId);
        buf[p] = 0x22; // "
        return p + 1;
      case Field.End:
        if (!e.completed) p = ascii(buf, p, ',"aborted":true');
        buf[p] = 0x7d; // }
        buf[p + 1] = 0x0a; // \n
        return p + 2;
    }
  }
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

/** Largest value whose digits are worked out in 32-bit integers (V8 divides those by a constant with a multiply, doubles with a division). */
const INT32_MAX = 0x7fffffff;

/** Decimal digits of a safe non-negative integer, written from the last. */
function digits(buf: Buffer, pos: number, n: number): number {
  let end = pos;
  if (n <= INT32_MAX) {
    for (let m = n; m >= 10; m = (m / 10) | 0) end++;
    for (let i = end, m = n; i >= pos; i--) {
      const q = (m / 10) | 0;
      buf[i] = 0x30 + m - q * 10;
      m = q;
    }
    return end + 1;
  }
  for (let m = n; m >= 10; m = Math.floor(m / 10)) end++;
  for (let i = end, m = n; i >= pos; i--, m = Math.floor(m / 10)) buf[i] = 0x30 + (m % 10);
  return end + 1;
}

/** A non-negative integer in base 36, as `n.toString(36)` writes it: 0-9 then a-z. */
function base36(buf: Buffer, pos: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return ascii(buf, pos, n.toString(36));
  let end = pos;
  if (n <= INT32_MAX) {
    for (let m = n; m >= 36; m = (m / 36) | 0) end++;
    for (let i = end, m = n; i >= pos; i--) {
      const q = (m / 36) | 0;
      buf[i] = BASE36[m - q * 36]!;
      m = q;
    }
    return end + 1;
  }
  for (let m = n; m >= 36; m = Math.floor(m / 36)) end++;
  for (let i = end, m = n; i >= pos; i--, m = Math.floor(m / 36)) buf[i] = BASE36[m % 36]!;
  return end + 1;
}

const BASE36 = Uint8Array.from('0123456789abcdefghijklmnopqrstuvwxyz', (c) => c.charCodeAt(0));

/** Below this many microseconds `int.frac` is also the shortest text of the rounded double. */
const EXACT_MICROSECONDS = 1e12;

/**
 * A duration rounded to microseconds, written as JSON writes `Math.round(ms * 1000) / 1000`
 * (`1.235`, `0.01`, `7`): whole milliseconds, then up to three decimals without trailing zeros.
 */
function milliseconds(buf: Buffer, pos: number, ms: number): number {
  const us = Math.round(ms * 1000);
  if (!(us >= 0 && us < EXACT_MICROSECONDS)) return ascii(buf, pos, JSON.stringify(us / 1000));
  const whole = Math.floor(us / 1000);
  let p = digits(buf, pos, whole);
  const frac = us - whole * 1000; // 0..999, an integer
  if (frac === 0) return p;
  buf[p++] = 0x2e; // .
  const hundreds = (frac / 100) | 0;
  const rest = frac - hundreds * 100;
  buf[p++] = 0x30 + hundreds;
  if (rest === 0) return p;
  const tens = (rest / 10) | 0;
  const ones = rest - tens * 10;
  buf[p++] = 0x30 + tens;
  if (ones === 0) return p;
  buf[p++] = 0x30 + ones;
  return p;
}
