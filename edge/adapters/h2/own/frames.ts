/**
 * HTTP/2 framing (RFC 9113 §4.1): the 9-byte frame header, the frame and error codes the own layer
 * uses, and a reader that cuts the decrypted byte stream into frames no larger than the
 * SETTINGS_MAX_FRAME_SIZE the edge advertised.
 */

export const FrameType = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;

export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** RFC 9113 §7. */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  ENHANCE_YOUR_CALM: 0xb,
} as const;

/** RFC 9113 §6.5.2. */
export const Setting = { HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, MAX_CONCURRENT_STREAMS: 3, INITIAL_WINDOW_SIZE: 4, MAX_FRAME_SIZE: 5, MAX_HEADER_LIST_SIZE: 6 } as const;

export const CONNECTION_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const FRAME_HEADER_BYTES = 9;
/** RFC 9113 §4.2: every peer must accept frames this large; larger only once announced. */
export const DEFAULT_MAX_FRAME_BYTES = 16_384;
export const MAX_WINDOW_BYTES = 2 ** 31 - 1;
/** RFC 9113 §6.9.2: every window's size until SETTINGS (and, for the connection, WINDOW_UPDATE) change it. */
export const DEFAULT_WINDOW_BYTES = 65_535;

export function writeFrameHeader(into: Buffer, at: number, length: number, type: number, flags: number, streamId: number): void {
  into[at] = length >>> 16;
  into[at + 1] = (length >>> 8) & 0xff;
  into[at + 2] = length & 0xff;
  into[at + 3] = type;
  into[at + 4] = flags;
  into.writeUInt32BE(streamId & 0x7fffffff, at + 5);
}

export function frame(type: number, flags: number, streamId: number, payload?: Buffer): Buffer {
  const length = payload === undefined ? 0 : payload.length;
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  writeFrameHeader(out, 0, length, type, flags, streamId);
  if (payload !== undefined) payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

export function u32(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(value >>> 0, 0);
  return b;
}

/** Why the reader stopped: a frame longer than the limit (FRAME_SIZE_ERROR) or a wrong preface. */
export type ReadFault = 'frame too large' | 'bad connection preface';

export interface FrameSink {
  frame(type: number, flags: number, streamId: number, payload: Buffer): void;
}

/**
 * Bytes in, frames out. The first 24 bytes must be the client's connection preface (RFC 9113 §3.4).
 * A payload handed to the sink is a view of the received chunk (no copy) when the frame lies
 * within one chunk.
 */
export class FrameReader {
  /**
   * Bytes of an unfinished frame (or preface), kept as received and joined only once the frame is
   * complete: a frame sent in one-byte TLS records is copied once, not once per record.
   */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes `pending` must reach before there is anything new to read. */
  private neededBytes = 0;
  private prefaceSeen = false;
  /** Set by the sink while it handles a frame to stop the reader (the connection is closing). */
  stopped = false;

  constructor(private readonly maxFrameBytes: number, private readonly sink: FrameSink) {}

  push(chunk: Buffer): ReadFault | undefined {
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.neededBytes) return undefined;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let at = 0;
    if (!this.prefaceSeen) {
      const have = Math.min(buf.length, CONNECTION_PREFACE.length);
      if (buf.compare(CONNECTION_PREFACE, 0, have, 0, have) !== 0) return 'bad connection preface';
      if (buf.length < CONNECTION_PREFACE.length) {
        this.keep(buf, CONNECTION_PREFACE.length);
        return undefined;
      }
      this.prefaceSeen = true;
      at = CONNECTION_PREFACE.length;
    }
    while (!this.stopped && buf.length - at >= FRAME_HEADER_BYTES) {
      const length = (buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!;
      if (length > this.maxFrameBytes) return 'frame too large';
      const end = at + FRAME_HEADER_BYTES + length;
      if (end > buf.length) break;
      const type = buf[at + 3]!;
      const flags = buf[at + 4]!;
      const streamId = buf.readUInt32BE(at + 5) & 0x7fffffff;
      this.sink.frame(type, flags, streamId, buf.subarray(at + FRAME_HEADER_BYTES, end));
      at = end;
    }
    if (!this.stopped && at < buf.length) {
      const rest = at === 0 ? buf : buf.subarray(at);
      this.keep(rest, rest.length < FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES : FRAME_HEADER_BYTES + ((rest[0]! << 16) | (rest[1]! << 8) | rest[2]!));
    }
    return undefined;
  }

  private keep(rest: Buffer, neededBytes: number): void {
    this.pending = [rest];
    this.pendingBytes = rest.length;
    this.neededBytes = neededBytes;
  }
}
