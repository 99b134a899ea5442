/**
 * The trace hash: sha256 over a compact binary encoding of a run's hashed records, in the order
 * they were added. Two runs have the same hash exactly when they hashed the same records (every
 * field name and value, in order), as with sha256 of their JSON lines, which it replaced:
 * making each JSON line cost 2.5-4 µs per record (three doubles to shortest decimal text, the
 * strings escaped, ~280 bytes hashed), this encoding ~1 µs (a double is its 8 bytes, a string
 * seen before is its number). The JSONL trace a run writes is unchanged; only its sha256 is no
 * longer the hash.
 *
 * The encoding, which a reader could decode back into the records:
 * - a record: byte 0, then each own enumerable field whose value is not undefined (as JSON
 *   skips it), in insertion order: its name as a string, then its value;
 * - a string seen before: byte 1 and its number (uint32 LE); a new one: byte 2, its length in
 *   UTF-16 code units (uint32 LE) and those units (UTF-16 LE, so every string, even one with a
 *   lone surrogate, has its own bytes), and it gets the next number from 0. The table is emptied
 *   when it holds MAX_STRINGS, so memory stays bounded and the numbering stays a function of
 *   the records;
 * - a number: byte 3 and its float64 LE (-0 as 0, as JSON writes it); true 4, false 5, null 6;
 * - anything else (no record has it today): byte 7 and its JSON text as a string;
 * - a request record (nine in ten records): byte 8, then, with no names, the value of each field
 *   in the order RequestRecord declares them, byte 9 for one that is undefined. It is the record
 *   every simulated exchange makes, and naming its fields was most of its cost.
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

/** Bytes gathered before they are hashed: one native call per 64 KiB rather than per field. */
const BUFFER_BYTES = 64 * 1024;
/** Strings numbered before the table starts again (the bench's 10,000 keys and names fit). */
export const MAX_STRINGS = 65_536;
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
    this.room(1);
    this.buf[this.pos++] = RECORD;
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

  private request(r: RequestRecord): void {
    this.room(1);
    this.buf[this.pos++] = REQUEST_RECORD;
    this.number(r.t);
    this.number(r.arrivedMs);
    this.string(r.node);
    this.string(r.region);
    this.string(r.role);
    this.optionalString(r.from);
    this.string(r.key);
    this.string(r.method);
    this.number(r.status);
    this.string(r.kind);
    this.optionalString(r.detail);
    this.optionalNumber(r.version);
    this.number(r.bytes);
    this.optionalNumber(r.declaredBytes);
    this.boolean(r.truncated);
    this.number(r.latencyMs);
    this.optionalString(r.coding);
  }

  private optionalString(s: string | undefined): void {
    if (s === undefined) this.absent();
    else this.string(s);
  }

  private optionalNumber(n: number | undefined): void {
    if (n === undefined) this.absent();
    else this.number(n);
  }

  private absent(): void {
    this.room(1);
    this.buf[this.pos++] = ABSENT;
  }

  private number(n: number): void {
    this.room(FIELD_BYTES);
    this.buf[this.pos++] = NUMBER;
    this.view.setFloat64(this.pos, n + 0, true);
    this.pos += 8;
  }

  private boolean(b: boolean): void {
    this.room(1);
    this.buf[this.pos++] = b ? TRUE : FALSE;
  }

  private value(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.string(value);
        return;
      case 'number':
        this.number(value);
        return;
      case 'boolean':
        this.boolean(value);
        return;
      default:
        if (value === null) {
          this.room(1);
          this.buf[this.pos++] = NULL;
          return;
        }
        this.room(1);
        this.buf[this.pos++] = JSON_TEXT;
        this.string(JSON.stringify(value) ?? 'undefined');
    }
  }

  private string(s: string): void {
    const known = this.strings.get(s);
    if (known !== undefined) {
      this.room(5);
      this.buf[this.pos++] = KNOWN_STRING;
      this.view.setUint32(this.pos, known, true);
      this.pos += 4;
      return;
    }
    if (this.strings.size >= MAX_STRINGS) this.strings.clear();
    this.strings.set(s, this.strings.size);
    const bytes = 2 * s.length;
    this.room(5 + bytes);
    this.buf[this.pos++] = NEW_STRING;
    this.view.setUint32(this.pos, s.length, true);
    this.pos += 4;
    if (5 + bytes > BUFFER_BYTES) {
      // Longer than the buffer (a long ring listing, say): hashed straight from the string.
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
