/**
 * HPACK's Huffman code (RFC 7541 §5.2, Appendix B), decoding only: the edge's encoder sends plain
 * literals. Appendix B is a canonical Huffman code, so the table is kept as its code lengths (one
 * per symbol, 0-255 and EOS = 256) and the codes are derived from them: shorter codes first, equal
 * lengths in symbol order (test/edge/adapters/h2/own/hpack-huffman.test.ts checks the RFC's codes).
 */

/** Appendix B's code length in bits for each symbol 0..256. */
export const HUFFMAN_CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;

/** The code of each symbol, derived from the lengths (canonical Huffman, RFC 7541 Appendix B). */
export function huffmanCodes(): number[] {
  const order = HUFFMAN_CODE_LENGTHS.map((_, i) => i).sort((a, b) => HUFFMAN_CODE_LENGTHS[a]! - HUFFMAN_CODE_LENGTHS[b]! || a - b);
  const codes = new Array<number>(HUFFMAN_CODE_LENGTHS.length);
  let code = 0;
  let length = HUFFMAN_CODE_LENGTHS[order[0]!]!;
  for (const symbol of order) {
    const l = HUFFMAN_CODE_LENGTHS[symbol]!;
    code *= 2 ** (l - length); // codes reach 30 bits: multiplication, not <<, stays exact
    length = l;
    codes[symbol] = code;
    code++;
  }
  return codes;
}

/**
 * The decoding trie, flat: node n's children are at 2n and 2n+1; a value >= 0 there is the next
 * node, a value < 0 is a leaf holding symbol -(value + 1). Built once per process (it is constant).
 */
const TRIE: Int32Array = (() => {
  const codes = huffmanCodes();
  const trie = new Int32Array(2 * 2 * HUFFMAN_CODE_LENGTHS.length);
  let nodes = 1;
  for (let symbol = 0; symbol < codes.length; symbol++) {
    const length = HUFFMAN_CODE_LENGTHS[symbol]!;
    let node = 0;
    for (let bit = length - 1; bit >= 0; bit--) {
      const slot = 2 * node + (Math.floor(codes[symbol]! / 2 ** bit) & 1);
      if (bit === 0) trie[slot] = -(symbol + 1);
      else {
        if (trie[slot] === 0) trie[slot] = nodes++;
        node = trie[slot]!;
      }
    }
  }
  return trie;
})();

/**
 * Decodes a Huffman-coded string literal; undefined when it is not valid HPACK (RFC 7541 §5.2):
 * the EOS symbol inside, padding longer than 7 bits, or padding that is not the most significant
 * bits of EOS (all ones). Latin-1: each symbol is one byte.
 */
export function huffmanDecode(bytes: Uint8Array, start: number, end: number): string | undefined {
  const out: number[] = [];
  let node = 0;
  /** Bits read since the last symbol, and whether they were all ones (a valid padding so far). */
  let pendingBits = 0;
  let allOnes = true;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >> bit) & 1;
      const next = TRIE[2 * node + one]!;
      pendingBits++;
      if (one === 0) allOnes = false;
      if (next < 0) {
        const symbol = -next - 1;
        if (symbol === EOS) return undefined;
        out.push(symbol);
        node = 0;
        pendingBits = 0;
        allOnes = true;
      } else {
        node = next;
      }
    }
  }
  if (pendingBits > 7 || !allOnes) return undefined;
  return Buffer.from(out).toString('latin1');
}
