/**
 * The durable high-water mark: the highest seq that may ever have been acknowledged, kept away
 * from the log's tail (at the head of the file) so that losing the tail (a crash, a cut, a bad
 * sector) cannot also lose the knowledge that those seqs were handed out. On disk it is two
 * fixed-size slots, written in turn so a torn write never destroys the only good copy; the reader
 * takes the highest valid one.
 */
import { crc32cHex } from './crc32c.js';

export const HIGH_WATER_SLOT_BYTES = 32;

/** `hwm <seq, 16 digits> <crc32c, 8 hex>`, padded with spaces to the slot size less one, then `\n`. */
export function encodeHighWaterSlot(seq: number): Buffer {
  const body = `hwm ${String(seq).padStart(16, '0')}`;
  const text = `${body} ${crc32cHex(Buffer.from(body, 'latin1'))}`.padEnd(HIGH_WATER_SLOT_BYTES - 1, ' ');
  return Buffer.from(`${text}\n`, 'latin1');
}

/** The highest seq in any valid slot; undefined when no slot is valid. */
export function decodeHighWater(bytes: Uint8Array): number | undefined {
  let best: number | undefined;
  for (let at = 0; at + HIGH_WATER_SLOT_BYTES <= bytes.length; at += HIGH_WATER_SLOT_BYTES) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + at, HIGH_WATER_SLOT_BYTES).toString('latin1');
    const m = /^(hwm (\d{16})) ([0-9a-f]{8}) *\n$/.exec(text);
    if (m === null || crc32cHex(Buffer.from(m[1]!, 'latin1')) !== m[3]) continue;
    const seq = Number(m[2]);
    if (best === undefined || seq > best) best = seq;
  }
  return best;
}
