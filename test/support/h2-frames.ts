/**
 * A raw HTTP/2 client for flood tests: frames written by hand on a TLS socket (RFC 9113 §4.1:
 * 9-byte header of length, type, flags and stream id), and the server's frames read back one by
 * one, so a test sees exactly which frames were answered before a GOAWAY, which node's client
 * would hide (it acknowledges, coalesces and errors on its own).
 */
import { connect, type TLSSocket } from 'node:tls';

/** RFC 9113 §6 frame types used here. */
export const FrameType = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 } as const;
export const FLAG_ACK = 0x1;
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

export const pingFrame = (n: number): Buffer => {
  const opaque = Buffer.alloc(8);
  opaque.writeUInt32BE(n, 4);
  return frame(FrameType.PING, 0, 0, opaque);
};

/** An empty SETTINGS frame: valid, changes nothing, and must be acknowledged (RFC 9113 §6.5). */
export const settingsFrame = (): Buffer => frame(FrameType.SETTINGS, 0, 0);

/** A predicate for `until` that holds on the `n`th frame matching `match` (each frame is offered once, in order). */
export function nth(match: (f: Frame) => boolean, n: number): (f: Frame) => boolean {
  let seen = 0;
  return (f) => match(f) && ++seen === n;
}

export const isAck = (type: number) => (f: Frame): boolean => f.type === type && (f.flags & FLAG_ACK) !== 0;

/** GOAWAY's error code (RFC 9113 §6.8). */
export const goawayCode = (f: Frame): number => f.payload.readUInt32BE(4);

export interface RawH2 {
  socket: TLSSocket;
  /** Every frame read so far, in order. */
  frames: Frame[];
  write(bytes: Buffer): void;
  /** Resolves once a frame matching `match` was read, or with undefined when the connection closed first. */
  until(match: (f: Frame) => boolean): Promise<Frame | undefined>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
}

/** Connects with ALPN h2 and sends the client preface and an empty SETTINGS frame. */
export function openRawH2(port: number, ca: Buffer): Promise<RawH2> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: ['h2'] }, () => {
      if (socket.alpnProtocol !== 'h2') return reject(new Error(`ALPN chose ${String(socket.alpnProtocol)}, not h2`));
      socket.write(Buffer.concat([PREFACE, settingsFrame()]));
      resolve(raw);
    });
    socket.once('error', reject);
    const frames: Frame[] = [];
    const waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame | undefined) => void }> = [];
    let pending = Buffer.alloc(0);
    let ended = false;
    const closed = new Promise<void>((done) =>
      socket.once('close', () => {
        ended = true;
        for (const w of waiters.splice(0)) w.resolve(undefined);
        done();
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < 9 + length) break;
        const f: Frame = { type: pending[3]!, flags: pending[4]!, streamId: pending.readUInt32BE(5) & 0x7fffffff, payload: pending.subarray(9, 9 + length) };
        pending = pending.subarray(9 + length);
        frames.push(f);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.match(f)) waiters.splice(i, 1)[0]!.resolve(f);
        }
      }
    });
    const raw: RawH2 = {
      socket,
      frames,
      write: (bytes) => void socket.write(bytes),
      until: (match) =>
        new Promise((done) => {
          const seen = frames.find(match);
          if (seen !== undefined || ended) return done(seen);
          waiters.push({ match, resolve: done });
        }),
      closed,
    };
  });
}
