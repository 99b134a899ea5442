/**
 * HPACK encoding of response fields, kept simple (RFC 7541 allows any mix of representations):
 * `:status` indexed when the static table has it, every other field a literal without indexing
 * (§6.2.2) with the static table's name index when there is one, no Huffman, no dynamic table, so
 * the client's decoder state never depends on the edge's and a prepared block can be reused on
 * any connection, in any order.
 */
import { STATIC_NAME_INDEX, STATIC_TABLE } from './hpack-static-table.js';

const STATUS_INDEX: ReadonlyMap<string, number> = new Map(
  STATIC_TABLE.map(([name, value], i) => [name === ':status' ? value : '', i] as const).filter(([v]) => v !== ''),
);
const STATUS_NAME_INDEX = 8;

/** Appends HPACK's prefixed integer (§5.1) with `prefixBits` bits and the `first` byte's high bits. */
function integer(out: number[], value: number, prefixBits: number, first: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(first | value);
    return;
  }
  out.push(first | max);
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

function literal(out: number[], s: string): void {
  integer(out, s.length, 7, 0);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}

/** `:status` then `fields` (`[name, value, ...]`, names already lowercase). Values are latin-1, as HTTP field bytes. */
export function encodeResponseBlock(status: number, fields: readonly string[]): Buffer {
  const out: number[] = [];
  const statusText = String(status);
  const indexed = STATUS_INDEX.get(statusText);
  if (indexed !== undefined) out.push(0x80 | indexed);
  else {
    integer(out, STATUS_NAME_INDEX, 4, 0);
    literal(out, statusText);
  }
  for (let i = 0; i < fields.length; i += 2) appendField(out, fields[i]!, fields[i + 1]!);
  return Buffer.from(out);
}

/** One more field, for the per-response part of a block (Date) appended after a prepared one. */
export function encodeField(name: string, value: string): Buffer {
  const out: number[] = [];
  appendField(out, name, value);
  return Buffer.from(out);
}

function appendField(out: number[], name: string, value: string): void {
  const nameIndex = STATIC_NAME_INDEX.get(name);
  if (nameIndex !== undefined && nameIndex > 0) integer(out, nameIndex, 4, 0);
  else {
    out.push(0);
    literal(out, name);
  }
  literal(out, value);
}
