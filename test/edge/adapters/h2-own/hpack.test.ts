/**
 * HPACK (RFC 7541) for the own HTTP/2 layer: the decoder against Appendix C's examples (C.2 single
 * representations, C.3/C.4 request sequences without and with Huffman, C.5/C.6 response sequences
 * with a 256-byte table and eviction), Appendix B's codes, strict errors, and the encoder's
 * output read back by the decoder.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HpackDecoder, HpackError } from '../../../../edge/adapters/h2/own/hpack-decoder.js';
import { encodeField, encodeResponseBlock } from '../../../../edge/adapters/h2/own/hpack-encoder.js';
import { HUFFMAN_CODE_LENGTHS, huffmanCodes, huffmanDecode } from '../../../../edge/adapters/h2/own/hpack-huffman.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const pairs = (flat: string[]): [string, string][] => flat.flatMap((_, i) => (i % 2 === 0 ? [[flat[i]!, flat[i + 1]!] as [string, string]] : []));
const BIG = 1 << 20;

interface Example {
  section: string;
  block: string;
  fields: [string, string][];
  /** The dynamic table after the block, newest first, and its size. */
  table: [string, string][];
  sizeBytes: number;
}

const REQ1: [string, string][] = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQ2: [string, string][] = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: [string, string][] = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];
const T1: [string, string][] = [[':authority', 'www.example.com']];
const T2: [string, string][] = [['cache-control', 'no-cache'], ...T1];
const T3: [string, string][] = [['custom-key', 'custom-value'], ...T2];

const RES1: [string, string][] = [[':status', '302'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']];
const RES2: [string, string][] = [[':status', '307'], ...RES1.slice(1)];
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const RES3: [string, string][] = [[':status', '200'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'], ['location', 'https://www.example.com'], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]];
const RT1: [string, string][] = [['location', 'https://www.example.com'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['cache-control', 'private'], [':status', '302']];
const RT2: [string, string][] = [[':status', '307'], ...RT1.slice(0, 3)];
const RT3: [string, string][] = [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', 'Mon, 21 Oct 2013 20:13:22 GMT']];

const SEQUENCES: { name: string; tableBytes: number; examples: Example[] }[] = [
  {
    name: 'C.3 requests without Huffman',
    tableBytes: 4096,
    examples: [
      { section: 'C.3.1', block: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', fields: REQ1, table: T1, sizeBytes: 57 },
      { section: 'C.3.2', block: '8286 84be 5808 6e6f 2d63 6163 6865', fields: REQ2, table: T2, sizeBytes: 110 },
      { section: 'C.3.3', block: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65', fields: REQ3, table: T3, sizeBytes: 164 },
    ],
  },
  {
    name: 'C.4 requests with Huffman',
    tableBytes: 4096,
    examples: [
      { section: 'C.4.1', block: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', fields: REQ1, table: T1, sizeBytes: 57 },
      { section: 'C.4.2', block: '8286 84be 5886 a8eb 1064 9cbf', fields: REQ2, table: T2, sizeBytes: 110 },
      { section: 'C.4.3', block: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf', fields: REQ3, table: T3, sizeBytes: 164 },
    ],
  },
  {
    name: 'C.5 responses without Huffman, 256-byte table (eviction)',
    tableBytes: 256,
    examples: [
      { section: 'C.5.1', block: '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', fields: RES1, table: RT1, sizeBytes: 222 },
      { section: 'C.5.2', block: '4803 3330 37c1 c0bf', fields: RES2, table: RT2, sizeBytes: 222 },
      { section: 'C.5.3', block: '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31', fields: RES3, table: RT3, sizeBytes: 215 },
    ],
  },
  {
    name: 'C.6 responses with Huffman, 256-byte table (eviction)',
    tableBytes: 256,
    examples: [
      { section: 'C.6.1', block: '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3', fields: RES1, table: RT1, sizeBytes: 222 },
      { section: 'C.6.2', block: '4883 640e ffc1 c0bf', fields: RES2, table: RT2, sizeBytes: 222 },
      { section: 'C.6.3', block: '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07', fields: RES3, table: RT3, sizeBytes: 215 },
    ],
  },
];

for (const seq of SEQUENCES) {
  test(`RFC 7541 ${seq.name}: fields and dynamic table after each block`, () => {
    const decoder = new HpackDecoder(seq.tableBytes);
    for (const e of seq.examples) {
      const out = decoder.decode(hex(e.block), BIG);
      assert.equal(pairs(out.fields), e.fields, e.section);
      assert.equal(decoder.dynamicTable(), e.table, `${e.section} table`);
      assert.is(decoder.dynamicTableBytes, e.sizeBytes, `${e.section} size`);
    }
  });
}

const SINGLE: { section: string; block: string; fields: [string, string][]; tableBytes: number }[] = [
  { section: 'C.2.1 literal with indexing', block: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572', fields: [['custom-key', 'custom-header']], tableBytes: 55 },
  { section: 'C.2.2 literal without indexing', block: '040c 2f73 616d 706c 652f 7061 7468', fields: [[':path', '/sample/path']], tableBytes: 0 },
  { section: 'C.2.3 literal never indexed', block: '1008 7061 7373 776f 7264 0673 6563 7265 74', fields: [['password', 'secret']], tableBytes: 0 },
  { section: 'C.2.4 indexed field', block: '82', fields: [[':method', 'GET']], tableBytes: 0 },
];
for (const e of SINGLE) {
  test(`RFC 7541 ${e.section}`, () => {
    const decoder = new HpackDecoder(4096);
    assert.equal(pairs(decoder.decode(hex(e.block), BIG).fields), e.fields);
    assert.is(decoder.dynamicTableBytes, e.tableBytes);
  });
}

test('RFC 7541 Appendix B: the codes derived from the lengths are the RFC\'s (spot checks, EOS)', () => {
  const codes = huffmanCodes();
  assert.is(HUFFMAN_CODE_LENGTHS.length, 257);
  const rows: [number, number, number][] = [[0, 0x1ff8, 13], [32, 0x14, 6], [48, 0x0, 5], [97, 0x3, 5], [255, 0x3ffffee, 26], [256, 0x3fffffff, 30], [10, 0x3ffffffc, 30], [126, 0x1ffd, 13]];
  for (const [symbol, code, length] of rows) {
    assert.is(codes[symbol], code, `symbol ${symbol}`);
    assert.is(HUFFMAN_CODE_LENGTHS[symbol], length, `symbol ${symbol} length`);
  }
});

const HUFFMAN_ROWS: { name: string; bytes: string; decoded: string | undefined }[] = [
  { name: 'C.4.1 www.example.com', bytes: 'f1e3 c2e5 f23a 6ba0 ab90 f4ff', decoded: 'www.example.com' },
  { name: 'C.4.2 no-cache', bytes: 'a8eb 1064 9cbf', decoded: 'no-cache' },
  { name: 'C.6.1 302', bytes: '6402', decoded: '302' },
  { name: 'C.6.1 private', bytes: 'aec3 771a 4b', decoded: 'private' },
  { name: 'empty', bytes: '', decoded: '' },
  { name: '§5.2 padding of 8 bits or more is an error', bytes: 'a8eb 1064 9cbf ff', decoded: undefined },
  { name: '§5.2 padding that is not EOS\'s high bits (zeros) is an error', bytes: '00', decoded: undefined },
  { name: '§5.2 the EOS symbol inside a string is an error', bytes: 'ffff fffc', decoded: undefined },
];
for (const row of HUFFMAN_ROWS) {
  test(`Huffman: ${row.name}`, () => {
    const b = hex(row.bytes);
    assert.is(huffmanDecode(b, 0, b.length), row.decoded);
  });
}

const ERRORS: { name: string; block: string; tableBytes?: number }[] = [
  { name: '§2.3.3 index 0', block: '80' },
  { name: '§2.3.3 index past both tables', block: 'be' },
  { name: '§5.1 integer that never ends', block: 'ff ff ff' },
  { name: '§5.1 integer over 2^31', block: 'ff ff ff ff ff 0f' },
  { name: '§5.2 string longer than the block', block: '0005 6162' },
  { name: '§5.2 bad Huffman padding', block: '0081 00' },
  { name: '§6.3 size update above SETTINGS_HEADER_TABLE_SIZE', block: '3fe2 1f', tableBytes: 4096 },
  { name: '§4.2 size update after a field', block: '82 20' },
];
for (const e of ERRORS) {
  test(`COMPRESSION_ERROR: ${e.name}`, () => {
    assert.throws(() => new HpackDecoder(e.tableBytes ?? 4096).decode(hex(e.block), BIG), (err: unknown) => err instanceof HpackError);
  });
}

test('§6.3 a size update to 0 empties the table; later inserts respect the new size', () => {
  const decoder = new HpackDecoder(4096);
  decoder.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'), BIG);
  assert.is(decoder.dynamicTableBytes, 55);
  decoder.decode(hex('20'), BIG);
  assert.is(decoder.dynamicTableBytes, 0);
  decoder.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'), BIG);
  assert.is(decoder.dynamicTableBytes, 0, 'an entry larger than the table is not added (§4.4)');
});

test('a list over the limit is flagged, stops collecting, and still updates the table', () => {
  const decoder = new HpackDecoder(4096);
  const out = decoder.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'), 100);
  assert.ok(out.tooLarge);
  assert.is(out.listBytes, 42 + 43 + 38 + 57);
  assert.equal(pairs(out.fields), [[':method', 'GET'], [':scheme', 'http']]);
  assert.is(decoder.dynamicTableBytes, 57);
});

test('the encoder\'s blocks read back as the same fields (static status, indexed names, new names, long values)', () => {
  const long = 'x'.repeat(300);
  const fields = ['content-type', 'text/plain', 'x-custom', long, 'age', '0', 'set-cookie', 'a=1', 'set-cookie', 'b=2'];
  for (const status of [200, 304, 404, 503, 103]) {
    const block = Buffer.concat([encodeResponseBlock(status, fields), encodeField('date', 'Mon, 21 Oct 2013 20:13:22 GMT')]);
    const out = new HpackDecoder(4096).decode(block, BIG);
    assert.equal(out.fields, [':status', String(status), ...fields, 'date', 'Mon, 21 Oct 2013 20:13:22 GMT']);
  }
  assert.equal([...encodeResponseBlock(200, [])], [0x88], ':status 200 is static index 8');
});

test.run();
