/**
 * HPACK header block decoding (RFC 7541) for requests: the static and the dynamic table, integer
 * (§5.1) and string (§5.2, Huffman or not) literals, dynamic table size updates (§6.3) bounded by
 * the SETTINGS_HEADER_TABLE_SIZE the edge advertised. Any fault is a COMPRESSION_ERROR for the
 * connection (RFC 9113 §4.3): the decoder throws HpackError and the connection ends with GOAWAY.
 *
 * One decoder per connection: the dynamic table is the connection's state, so every header block
 * must be decoded, in order, even one whose request is refused.
 */
import { huffmanDecode } from './hpack-huffman.js';
import { STATIC_TABLE } from './hpack-static-table.js';

export class HpackError extends Error {}

/** RFC 7541 §4.1: an entry's size is its name's and value's lengths plus 32. */
const ENTRY_OVERHEAD = 32;
/** Integers past this are not anything a header block can mean (lengths, indices, sizes). */
const MAX_INTEGER = 2 ** 31 - 1;

export interface DecodedBlock {
  /** `[name, value, name, value, ...]` in order, as long as the list stayed within `maxListBytes`. */
  fields: string[];
  /** The list's size as RFC 9113 §6.5.2 counts it (name + value + 32 per field), counted in full. */
  listBytes: number;
  /** Over `maxListBytes`: `fields` stops there (the table is still updated). */
  tooLarge: boolean;
}

export class HpackDecoder {
  /** Newest entry last: HPACK index 62 is `entries[entries.length - 1]`. */
  private readonly entries: [string, string][] = [];
  private sizeBytes = 0;
  private maxSizeBytes: number;

  /** `settingsTableBytes`: the SETTINGS_HEADER_TABLE_SIZE the edge sent (4096 is the protocol's default). */
  constructor(private readonly settingsTableBytes: number) {
    this.maxSizeBytes = settingsTableBytes;
  }

  get dynamicTableBytes(): number {
    return this.sizeBytes;
  }

  decode(block: Uint8Array, maxListBytes: number): DecodedBlock {
    const fields: string[] = [];
    let listBytes = 0;
    let tooLarge = false;
    let at = 0;
    let fieldSeen = false;
    const add = (name: string, value: string): void => {
      fieldSeen = true;
      listBytes += name.length + value.length + ENTRY_OVERHEAD;
      if (listBytes > maxListBytes) tooLarge = true;
      if (!tooLarge) fields.push(name, value);
    };
    const integer = (prefixBits: number): number => {
      const mask = (1 << prefixBits) - 1;
      let value = block[at++]! & mask;
      if (value < mask) return value;
      let shift = 0;
      for (;;) {
        if (at >= block.length) throw new HpackError('integer runs past the header block');
        const b = block[at++]!;
        value += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (value > MAX_INTEGER) throw new HpackError('integer too large');
        if ((b & 0x80) === 0) return value;
      }
    };
    const string = (): string => {
      if (at >= block.length) throw new HpackError('string literal runs past the header block');
      const huffman = (block[at]! & 0x80) !== 0;
      const length = integer(7);
      const end = at + length;
      if (end > block.length) throw new HpackError('string literal runs past the header block');
      let s: string | undefined;
      if (huffman) {
        s = huffmanDecode(block, at, end);
        if (s === undefined) throw new HpackError('invalid Huffman-coded string');
      } else {
        s = Buffer.from(block.buffer, block.byteOffset + at, length).toString('latin1');
      }
      at = end;
      return s;
    };
    while (at < block.length) {
      const b = block[at]!;
      if (b & 0x80) {
        // §6.1 indexed field
        const [name, value] = this.entry(integer(7));
        add(name, value);
      } else if (b & 0x40) {
        // §6.2.1 literal with incremental indexing
        const index = integer(6);
        const name = index === 0 ? string() : this.entry(index)[0];
        const value = string();
        add(name, value);
        this.insert(name, value);
      } else if (b & 0x20) {
        // §6.3 dynamic table size update: only at the start of a block (§4.2)
        if (fieldSeen) throw new HpackError('dynamic table size update after a field');
        const size = integer(5);
        if (size > this.settingsTableBytes) throw new HpackError('dynamic table size update above SETTINGS_HEADER_TABLE_SIZE');
        this.maxSizeBytes = size;
        this.evict(0);
      } else {
        // §6.2.2 without indexing, §6.2.3 never indexed: the same for a decoder that forwards nothing compressed
        const index = integer(4);
        const name = index === 0 ? string() : this.entry(index)[0];
        const value = string();
        add(name, value);
      }
    }
    return { fields, listBytes, tooLarge };
  }

  private entry(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError('index 0');
    if (index < STATIC_TABLE.length) return STATIC_TABLE[index]!;
    const dynamic = index - STATIC_TABLE.length;
    if (dynamic >= this.entries.length) throw new HpackError(`index ${index} is past the tables`);
    return this.entries[this.entries.length - 1 - dynamic]!;
  }

  /** §4.4: evict oldest entries to make room; an entry larger than the table empties it and is not added. */
  private insert(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    this.evict(size);
    if (size > this.maxSizeBytes) return;
    this.entries.push([name, value]);
    this.sizeBytes += size;
  }

  private evict(room: number): void {
    let drop = 0;
    while (this.sizeBytes + room > this.maxSizeBytes && drop < this.entries.length) {
      const [n, v] = this.entries[drop]!;
      this.sizeBytes -= n.length + v.length + ENTRY_OVERHEAD;
      drop++;
    }
    if (drop > 0) this.entries.splice(0, drop);
  }

  /** The dynamic table, newest first, for tests against RFC 7541 Appendix C. */
  dynamicTable(): [string, string][] {
    return [...this.entries].reverse();
  }
}
