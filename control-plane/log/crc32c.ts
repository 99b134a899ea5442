/**
 * CRC-32C (Castagnoli, the polynomial iSCSI, ext4 and LevelDB's log use) over bytes. Written
 * here rather than taken from node:zlib because `zlib.crc32` only exists from Node 20.15 and is
 * the IEEE polynomial; the log must read the same on every Node 20.
 */
const TABLE = buildTable(0x82f63b78);

function buildTable(reversedPolynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reversedPolynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Eight lowercase hex digits, the form the log writes. */
export function crc32cHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return crc32c(bytes, start, end).toString(16).padStart(8, '0');
}
