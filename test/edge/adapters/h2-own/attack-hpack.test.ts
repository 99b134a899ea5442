/**
 * Attacker's review of the own layer's HPACK decoder (RFC 7541), one hostile header block per
 * case: every fault is an HpackError (the connection answers COMPRESSION_ERROR), and a block
 * that expands past the header list limit is bounded while it is decoded, not after.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HpackDecoder, HpackError } from '../../../../edge/adapters/h2/own/hpack-decoder.js';

/** RFC 7541 §5.1 integer with an N-bit prefix, the first byte's high bits set to `first`. */
export function hpackInt(first: number, prefixBits: number, value: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}
/** A literal (§6.2) with a literal name; `first` 0x40 incremental indexing, 0x00 without. */
export function literal(first: number, name: string, value: string): Buffer {
  const n = Buffer.from(name, 'latin1');
  const v = Buffer.from(value, 'latin1');
  return Buffer.concat([Buffer.from([first]), Buffer.from(hpackInt(0, 7, n.length)), n, Buffer.from(hpackInt(0, 7, v.length)), v]);
}

const throwsHpack = (block: number[] | Buffer, why: string): void => {
  const d = new HpackDecoder(4096);
  try {
    d.decode(Buffer.from(block), 16_384);
  } catch (err) {
    assert.instance(err, HpackError, why);
    return;
  }
  assert.unreachable(`accepted: ${why}`);
};

test('integers: a 2^31+ index, an endless continuation, one that ends past the block: HpackError', () => {
  throwsHpack([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], 'index over 2^31');
  throwsHpack([0xff, ...new Array(64).fill(0x80)], 'continuation bytes to the end of the block');
  throwsHpack([0xff, 0x80, 0x80], 'integer runs past the block');
  // 64 zero-valued continuation bytes then a 1: 2^448, not anything a block can mean
  throwsHpack([0xff, ...new Array(63).fill(0x80), 0x01], '2^441 via zero continuations');
});

test('string literals: length past the block, length 2^31: HpackError', () => {
  throwsHpack([0x00, 0x05, 0x61, 0x62], 'name length 5, 2 bytes there');
  throwsHpack([0x00, ...hpackInt(0, 7, 2 ** 31 - 2), 0x61], 'name length near 2^31');
  throwsHpack([0x00, 0x01, 0x61, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x07], 'value length over 2^31');
});

test('Huffman: EOS inside, padding of zeros, padding over 7 bits: HpackError (RFC 7541 §5.2)', () => {
  // 'a' is 00011 (5 bits); EOS is 30 ones
  throwsHpack([0x00, 0x81, 0x18, 0x01, 0x61], 'padding 000 instead of 111'); // 00011 000
  throwsHpack([0x00, 0x82, 0x1f, 0xff, 0x01, 0x61], 'padding of 11 bits'); // 00011 111 11111111
  throwsHpack([0x00, 0x84, 0xff, 0xff, 0xff, 0xff, 0x01, 0x61], 'EOS (30 ones) inside the string');
  // and the valid form decodes
  const d = new HpackDecoder(4096);
  assert.equal(d.decode(Buffer.from([0x00, 0x81, 0x1f, 0x01, 0x62]), 1000).fields, ['a', 'b']);
});

test('dynamic table size update: above SETTINGS_HEADER_TABLE_SIZE, or after a field: HpackError (RFC 7541 §4.2, §6.3)', () => {
  throwsHpack(hpackInt(0x20, 5, 4097), 'size 4097 > 4096');
  throwsHpack([0x82, ...hpackInt(0x20, 5, 0)], 'size update after :method GET');
  // two at the start are allowed
  const d = new HpackDecoder(4096);
  assert.equal(d.decode(Buffer.from([...hpackInt(0x20, 5, 0), ...hpackInt(0x20, 5, 4096), 0x82]), 1000).fields, [':method', 'GET']);
});

test('indexed field 0, past the static table with an empty dynamic table, past the dynamic table: HpackError', () => {
  throwsHpack([0x80], 'index 0');
  throwsHpack([0xbe], 'index 62 with nothing there');
  throwsHpack([0x40 | 0x3e, 0x01, 0x61], 'literal with indexed name 62, nothing there');
  throwsHpack([...literal(0x40, 'x-a', '1'), 0xbf], 'index 63, one dynamic entry');
});

test('HPACK bomb: one 4 KiB entry referenced 16,000 times (a 16 KiB block naming a 64 MiB list) keeps at most the limit, and the work is one pass over the block', () => {
  const d = new HpackDecoder(4096);
  const big = literal(0x40, 'x-b', 'v'.repeat(4000));
  const block = Buffer.concat([big, Buffer.alloc(16_000, 0xbe)]);
  const out = d.decode(block, 16_384);
  assert.ok(out.tooLarge);
  assert.ok(out.fields.length <= 2 * 5, `fields kept: ${out.fields.length / 2}`);
  assert.ok(out.listBytes > 60_000_000, 'the list is counted in full');
  // the table was still updated (the connection's state stays in step)
  assert.is(d.dynamicTableBytes, 4000 + 3 + 32);
});

test('many tiny fields: 16,000 one-byte indexed fields (:method GET) are counted and cut at the limit', () => {
  const d = new HpackDecoder(4096);
  const out = d.decode(Buffer.alloc(16_000, 0x82), 16_384);
  assert.ok(out.tooLarge);
  assert.ok(out.fields.length / 2 <= 16_384 / 42 + 1);
});

test('an entry larger than the table empties it and is not added; eviction keeps the size within 4096', () => {
  const d = new HpackDecoder(4096);
  d.decode(literal(0x40, 'x-a', 'a'.repeat(2000)), 100_000);
  d.decode(literal(0x40, 'x-b', 'b'.repeat(2000)), 100_000);
  assert.ok(d.dynamicTableBytes <= 4096);
  d.decode(literal(0x40, 'x-c', 'c'.repeat(5000)), 100_000);
  assert.is(d.dynamicTableBytes, 0);
  throwsHpack([0xbe], 'emptied table');
});

test.run();
