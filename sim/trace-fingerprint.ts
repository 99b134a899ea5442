/**
 * The trace hash: sha256 over a compact binary encoding of a run's hashed records, in the order
 * they were added. Two runs get the same hash when they hashed the same records, and (short of a
 * sha256 collision) only then: the encoding below could be decoded back into the records. It
 * replaced sha256 of the records' JSON lines: making each line cost 2.5-4 µs per record (three
 * doubles turned into shortest decimal text, the strings escaped, ~280 bytes hashed), this
 * encoding ~1 µs (a double is its 8 bytes, a string seen before is its number). The JSONL trace a
 * run writes is unchanged; only its sha256 is no longer the hash.
 *
 * Records are plain data: strings, numbers, booleans and null. The encoding:
 * - a record: byte 0, then each own enumerable field whose value is not undefined (as JSON
 *   skips it), in insertion order: its name as a string, then its value;
 * - a request record (nine in ten records): byte 8, then, with no names, the value of each field
 *   of REQUEST_FIELDS in that order, byte 9 for one that is undefined. It is the record every
 *   simulated exchange makes, and naming its fields was most of its cost. A field that is not in
 *   RequestRecord is not hashed (TypeScript refuses one in the literals that build these records,
 *   and a field added to RequestRecord but not to REQUEST_FIELDS does not compile);
 * - a string seen before: byte 1 and its number (uint32 LE); a new one of at most
 *   MAX_NUMBERED_LENGTH code units: byte 2, its length in UTF-16 code units (uint32 LE) and those
 *   units (UTF-16 LE, so every string, even one with a lone surrogate, has its own bytes), and it
 *   gets the next number from 0; a longer one: byte 10, its length and its units, unnumbered. The
 *   table is emptied when it holds MAX_STRINGS, so its memory stays bounded and the numbering
 *   stays a function of the records;
 * - a number: byte 3 and its float64 LE (-0 as 0, as JSON writes it, and one NaN for every NaN);
 *   true 4, false 5, null 6;
 * - anything else (no record has it): byte 7 and its JSON text (or "undefined") as a string.
 */
import { createHash, type Hash } from 'node:crypto';
import type { RequestRecord } from './history.js';

const RECORD = 0;
const KNOWN_STRING = 1;
const NEW_STRING = 2;
const NUMBER = 3;
const TRUE = 4;
const FALSE = 5;
const NULL = 6;
const JSON_TEXT = 7;
const REQUEST_RECORD = 8;
const ABSENT = 9;
const LONG_STRING = 10;

/** RequestRecord's fields after `type`, in the order a request record's values are encoded. */
export const REQUEST_FIELDS = ['t', 'arrivedMs', 'node', 'region', 'role', 'from', 'key', 'method', 'status', 'kind', 'detail', 'version', 'bytes', 'declaredBytes', 'truncated', 'latencyMs', 'coding'] as const;
type UnlistedRequestField = Exclude<keyof RequestRecord, 'type' | (typeof REQUEST_FIELDS)[number]>;
type UnknownRequestField = Exclude<(typeof REQUEST_FIELDS)[number], keyof RequestRecord>;
/** Does not compile when RequestRecord has a field REQUEST_FIELDS lacks, or the other way round. */
export const REQUEST_FIELDS_MATCH: [UnlistedRequestField | UnknownRequestField] extends [never] ? true : never = true;

/** Bytes gathered before they are hashed: one native call per 64 KiB rather than per field. */
const BUFFER_BYTES = 64 * 1024;
/** Strings numbered before the table starts again (the bench's 10,000 keys and names fit). */
export const MAX_STRINGS = 65_536;
/** Longer strings (a ring listing, a long detail) are written in full each time, not kept in the table. */
export const MAX_NUMBERED_LENGTH = 256;
/** The most a field's fixed part takes: a tag and a float64. */
const FIELD_BYTES = 9;

export class TraceFingerprint {
  private readonly hash: Hash = createHash('sha256');
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private readonly view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private pos = 0;
  private readonly strings = new Map<string, number>();

  /** Adds one record; it is encoded now, so changing it later changes nothing. */
  add(rec: object): void {
    if ((rec as { type?: unknown }).type === 'request') {
      this.request(rec as RequestRecord);
      return;
    }
    this.tag(RECORD);
    const fields = rec as Record<string, unknown>;
    // Records are plain object literals, and Object.prototype has no enumerable field, so for-in
    // visits exactly the own fields JSON.stringify would.
    for (const name in fields) {
      const value = fields[name];
      if (value === undefined) continue;
      this.string(name);
      this.value(value);
    }
  }

  /** sha256 (hex) of everything added so far; adding more afterwards goes on from there. */
  digest(): string {
    this.flush();
    return this.hash.copy().digest('hex');
  }

  /** REQUEST_FIELDS in order, one call per field rather than a loop, so each read is a plain property read. */
  private request(r: RequestRecord): void {
    this.tag(REQUEST_RECORD);
    this.number(r.t);
    this.number(r.arrivedMs);
    this.string(r.node);
    this.string(r.region);
    this.string(r.role);
    this.string(r.from);
    this.string(r.key);
    this.string(r.method);
    this.number(r.status);
    this.string(r.kind);
    this.string(r.detail);
    this.number(r.version);
    this.number(r.bytes);
    this.number(r.declaredBytes);
    this.boolean(r.truncated);
    this.number(r.latencyMs);
    this.string(r.coding);
  }

  private tag(tag: number): void {
    this.room(1);
    this.buf[this.pos++] = tag;
  }

  private number(n: number | undefined): void {
    if (n === undefined) return this.tag(ABSENT);
    this.room(FIELD_BYTES);
    this.buf[this.pos++] = NUMBER;
    // n + 0 turns -0 into 0; a NaN's bits depend on how it was made, so every NaN is written as one.
    this.view.setFloat64(this.pos, n === n ? n + 0 : Number.NaN, true);
    this.pos += 8;
  }

  private boolean(b: boolean | undefined): void {
    if (b === undefined) return this.tag(ABSENT);
    this.tag(b ? TRUE : FALSE);
  }

  private value(value: unknown): void {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'number':
        return this.number(value);
      case 'boolean':
        return this.boolean(value);
      default:
        if (value === null) return this.tag(NULL);
        this.tag(JSON_TEXT);
        this.string(JSON.stringify(value) ?? 'undefined');
    }
  }

  private string(s: string | undefined): void {
    if (s === undefined) return this.tag(ABSENT);
    const known = this.strings.get(s);
    if (known !== undefined) {
      this.room(5);
      this.buf[this.pos++] = KNOWN_STRING;
      this.view.setUint32(this.pos, known, true);
      this.pos += 4;
      return;
    }
    let tag = LONG_STRING;
    if (s.length <= MAX_NUMBERED_LENGTH) {
      if (this.strings.size >= MAX_STRINGS) this.strings.clear();
      this.strings.set(s, this.strings.size);
      tag = NEW_STRING;
    }
    const bytes = 2 * s.length;
    this.room(5 + bytes);
    this.buf[this.pos++] = tag;
    this.view.setUint32(this.pos, s.length, true);
    this.pos += 4;
    if (5 + bytes > BUFFER_BYTES) {
      // Longer than the buffer: hashed straight from the string.
      this.flush();
      this.hash.update(s, 'utf16le');
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'utf16le');
  }

  /** Makes room for `bytes` more (hashing what is gathered), as far as the buffer allows. */
  private room(bytes: number): void {
    if (this.pos + bytes > BUFFER_BYTES) this.flush();
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.hash.update(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
}
