/**
 * The purge log's framing (format 2): one record per line,
 *
 *     <json byte length> <crc32c of the json, 8 hex digits> <json>\n
 *
 * so a reader can tell a whole record from a torn or corrupted one without trusting the JSON
 * parser, and a person can still read the file with `less`. The length and checksum make the
 * terminator redundant: a record that lost only its `\n` is whole.
 *
 * Damage is judged by where it lies. JSON.stringify never writes a raw newline, so damage whose
 * line is the last one in the file can only be the tail a crash (or a truncation) cut: it is
 * dropped. Damage with whole lines after it is not a crash; the caller refuses to start.
 */
import { crc32cHex } from './crc32c.js';

const NEWLINE = 0x0a;
const SPACE = 0x20;
/** Longest json a frame may declare; far above any purge (1,000 values × 4 KiB). */
export const MAX_FRAME_JSON_BYTES = 64 * 1024 * 1024;

export function encodeFrame(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const prefix = `${json.length} ${crc32cHex(json)} `;
  const out = Buffer.allocUnsafe(prefix.length + json.length + 1);
  out.write(prefix, 0, 'latin1');
  json.copy(out, prefix.length);
  out[out.length - 1] = NEWLINE;
  return out;
}

export interface Frame {
  /** Byte offset of the frame's first byte. */
  offset: number;
  value: unknown;
}

/** Damage confined to the last line: what a crash or a cut can leave. */
export interface DroppedTail {
  offset: number;
  bytes: number;
  reason: string;
}

export interface ScannedFrames {
  frames: Frame[];
  /** The last frame is whole but its `\n` is missing: it must be added before the next append. */
  missingTerminator: boolean;
  dropped: DroppedTail | undefined;
  /** Damage with whole lines after it; `frames` holds the good prefix before it. */
  damaged: { offset: number; reason: string } | undefined;
}

/** Reads every frame it can, stopping at the first damage. */
export function scanFrames(bytes: Uint8Array): ScannedFrames {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const read = readFrame(bytes, offset);
    if (read.ok) {
      frames.push({ offset, value: read.value });
      if (read.junkFrom !== undefined) {
        return { frames, missingTerminator: false, dropped: { offset: read.junkFrom, bytes: bytes.length - read.junkFrom, reason: 'bytes after the last whole record' }, damaged: undefined };
      }
      if (read.next >= bytes.length && bytes[bytes.length - 1] !== NEWLINE) {
        return { frames, missingTerminator: true, dropped: undefined, damaged: undefined };
      }
      offset = read.next;
      continue;
    }
    const lineEnd = bytes.indexOf(NEWLINE, offset);
    const isLastLine = lineEnd === -1 || lineEnd === bytes.length - 1;
    if (isLastLine) return { frames, missingTerminator: false, dropped: { offset, bytes: bytes.length - offset, reason: read.reason }, damaged: undefined };
    return { frames, missingTerminator: false, dropped: undefined, damaged: { offset, reason: read.reason } };
  }
  return { frames, missingTerminator: false, dropped: undefined, damaged: undefined };
}

/** `junkFrom`: the frame is whole but bytes other than its newline follow it up to the end of the file. */
type ReadFrame = { ok: true; value: unknown; next: number; junkFrom?: number } | { ok: false; reason: string };

function readFrame(bytes: Uint8Array, offset: number): ReadFrame {
  let i = offset;
  let length = 0;
  while (i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39 && i - offset < 9) length = length * 10 + (bytes[i++]! - 0x30);
  if (i === offset || i >= bytes.length || bytes[i] !== SPACE) return { ok: false, reason: i >= bytes.length ? 'cut inside the length' : 'no record length' };
  if (length > MAX_FRAME_JSON_BYTES) return { ok: false, reason: `record length ${length} is implausible` };
  const crcStart = i + 1;
  const jsonStart = crcStart + 9;
  if (jsonStart > bytes.length) return { ok: false, reason: 'cut inside the checksum' };
  if (bytes[jsonStart - 1] !== SPACE) return { ok: false, reason: 'no checksum' };
  const crc = Buffer.from(bytes.buffer, bytes.byteOffset + crcStart, 8).toString('latin1');
  const jsonEnd = jsonStart + length;
  if (jsonEnd > bytes.length) return { ok: false, reason: `cut after ${bytes.length - jsonStart} of ${length} bytes` };
  if (crc32cHex(bytes, jsonStart, jsonEnd) !== crc) return { ok: false, reason: 'checksum mismatch' };
  let junkFrom: number | undefined;
  if (jsonEnd < bytes.length && bytes[jsonEnd] !== NEWLINE) {
    // A whole record whose terminator was damaged: keep the record when nothing follows on its line's end.
    if (bytes.indexOf(NEWLINE, jsonEnd) !== -1) return { ok: false, reason: 'record not followed by a newline' };
    junkFrom = jsonEnd;
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + jsonStart, length).toString('utf8'));
  } catch {
    return { ok: false, reason: 'checksum matches but the record is not JSON' };
  }
  if (junkFrom !== undefined) return { ok: true, value, next: bytes.length, junkFrom };
  return { ok: true, value, next: Math.min(bytes.length, jsonEnd + 1) };
}
