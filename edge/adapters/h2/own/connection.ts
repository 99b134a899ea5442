/**
 * One HTTP/2 connection on the own layer (RFC 9113), over a decrypted TLS socket: preface and
 * SETTINGS both ways, HEADERS + CONTINUATION (bounded) through one HPACK decoder, DATA with
 * connection and stream flow control both ways, RST_STREAM, PING, GOAWAY; PRIORITY is ignored
 * (RFC 9113 §5.3.2 deprecates its scheme). Requests go to `onRequest` with a body queue;
 * answers come back through `respond` / `writeData`. Everything the connection writes during one
 * socket read (or one microtask turn) leaves in one socket write.
 *
 * Floods end with GOAWAY ENHANCE_YOUR_CALM and a close (README "TLS and HTTP/2"): rapid reset,
 * PING and SETTINGS (and empty DATA frames, which cost work but carry nothing) over their window
 * budgets, a header block larger than twice the header list limit or spread over too many
 * CONTINUATION frames, too many refused streams or stream-level protocol errors.
 */
import type { Socket } from 'node:net';
import type { Clock, Logger, TimerHandle, Timers } from '../../../../common/ports.js';
import type { Http2Limits } from '../../tls/config.js';
import { WindowBudget } from '../window-budget.js';
import { BodyQueue } from './body-queue.js';
import { ErrorCode, Flag, frame, FrameReader, FrameType, DEFAULT_MAX_FRAME_BYTES, DEFAULT_WINDOW_BYTES, FRAME_HEADER_BYTES, MAX_WINDOW_BYTES, Setting, u32, writeFrameHeader } from './frames.js';
import { HpackDecoder, HpackError } from './hpack-decoder.js';
import { requestHead } from './request-head.js';
import { OwnStream } from './stream.js';

/** The decoder's table size the edge announces (the protocol's default). */
const HEADER_TABLE_BYTES = 4096;
/** CONTINUATION frames one header block may use before it counts as a flood. */
const MAX_CONTINUATIONS = 32;
/** Response bytes one stream may have queued beyond its send window before its writer waits. */
const STREAM_QUEUE_BYTES = 64 * 1024;
/**
 * Bytes written to the socket and not yet taken by the client past which response DATA waits
 * for 'drain': a slow reader with a large window (a big cached object) holds this much, not the
 * whole object.
 */
const SOCKET_QUEUE_BYTES = 512 * 1024;
/**
 * The least time answers may wait for a client's window or its reading before the connection
 * counts as stalled (the idle timeout when longer): 512 KiB in 30 s is about 17 KB/s, slower than
 * any client worth keeping.
 */
const MIN_STALL_MS = 30_000;
/**
 * After the edge ends a connection (GOAWAY, then FIN), how long the client may take to close its
 * side before the socket is cut: a client that never does would otherwise hold it forever.
 */
const CLOSE_GRACE_MS = 10_000;

export interface ConnectionOptions {
  limits: Http2Limits;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  idleTimeoutMs: number;
  onRequest(connection: H2Connection, stream: OwnStream, endStream: boolean): void;
  onClosed(connection: H2Connection): void;
}

/** Header block being received (HEADERS without END_HEADERS, then CONTINUATION). */
interface OpenBlock {
  streamId: number;
  endStream: boolean;
  parts: Buffer[];
  bytes: number;
  continuations: number;
}

export class H2Connection {
  readonly remoteAddress: string | undefined;
  private readonly reader: FrameReader;
  private readonly decoder = new HpackDecoder(HEADER_TABLE_BYTES);
  private readonly streams = new Map<number, OwnStream>();
  private lastStreamId = 0;
  private block: OpenBlock | undefined;
  private settingsSeen = false;
  /**
   * The client acknowledged the edge's SETTINGS: until then its streams may use the protocol's
   * initial window (RFC 9113 §6.9.2), not the one the edge announced.
   */
  private settingsAcked = false;
  /** The client's settings that shape what the edge writes. */
  private peerMaxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  private peerInitialWindow = DEFAULT_WINDOW_BYTES;
  private sendWindow = DEFAULT_WINDOW_BYTES;
  /** Connection-level bytes the client may still send, and bytes read but not yet given back. */
  private recvWindow: number;
  private recvUnacked = 0;
  private readonly out: Buffer[] = [];
  private outBytes = 0;
  private inRead = false;
  private flushScheduled = false;
  private readonly blocked = new Set<OwnStream>();
  private goawaySent = false;
  private peerGoaway = false;
  private closed = false;
  private idleTimer: TimerHandle | undefined;
  /** Armed while response DATA waits for the client's window; re-armed whenever DATA goes out. */
  private stallTimer: TimerHandle | undefined;
  private invalidFrames = 0;
  private refusedStreams = 0;
  private readonly resets: WindowBudget;
  private readonly controlFrames: WindowBudget;
  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(
    private readonly socket: Socket,
    private readonly o: ConnectionOptions,
  ) {
    const l = o.limits;
    this.remoteAddress = socket.remoteAddress;
    this.recvWindow = l.sessionWindowBytes;
    this.resets = new WindowBudget(o.clock, l.maxResetsPerWindow, l.resetWindowMs);
    this.controlFrames = new WindowBudget(o.clock, l.maxControlFramesPerWindow, l.controlFrameWindowMs);
    this.reader = new FrameReader(DEFAULT_MAX_FRAME_BYTES, { frame: (t, f, id, p) => this.onFrame(t, f, id, p) });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.destroy());
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    // A client not reading what the edge writes stops being read (its PINGs, SETTINGS and requests
    // wait in its socket) and gets no more DATA until it has read what was written.
    socket.on('drain', () => {
      socket.resume();
      for (const s of [...this.blocked]) this.sendQueued(s);
    });
    this.sendSettings();
    this.armIdle();
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Shutdown: GOAWAY NO_ERROR; the streams open finish, then the connection closes. */
  close(): void {
    if (this.closed) return;
    this.goaway(ErrorCode.NO_ERROR);
    if (this.streams.size === 0) this.end();
  }

  /** Cut at once: nothing queued is written. */
  destroy(): void {
    if (this.closed) return;
    this.teardown();
    this.socket.destroy();
  }

  // ---- writing ----

  /** The final (or a 1xx) response's header block, split into HEADERS + CONTINUATION at the client's frame size. */
  writeHeaders(s: OwnStream, block: Buffer, endStream: boolean, status: number): void {
    if (s.localClosed || this.closed) return;
    if (status >= 200) {
      s.responded = true;
      s.status = status;
    }
    const max = this.peerMaxFrameBytes;
    let at = 0;
    let type: number = FrameType.HEADERS;
    do {
      const end = Math.min(block.length, at + max);
      let flags = end === block.length ? Flag.END_HEADERS : 0;
      if (type === FrameType.HEADERS && endStream) flags |= Flag.END_STREAM;
      const f = Buffer.allocUnsafe(FRAME_HEADER_BYTES + (end - at));
      writeFrameHeader(f, 0, end - at, type, flags, s.id);
      block.copy(f, FRAME_HEADER_BYTES, at, end);
      this.emit(f);
      at = end;
      type = FrameType.CONTINUATION;
    } while (at < block.length);
    if (endStream) this.localEnd(s);
  }

  /**
   * Response body bytes: sent now as far as both send windows allow, the rest queued until the
   * client opens them. Returns a promise when the stream's queue is long, for a streamed body's
   * writer to wait on (it resolves once the queue drains or the stream closes).
   */
  writeData(s: OwnStream, data: Buffer | undefined, end: boolean): Promise<void> | undefined {
    if (s.localClosed || this.closed) return undefined;
    if (data !== undefined && data.length > 0) {
      s.queued.push(data);
      s.queuedBytes += data.length;
    }
    if (end) s.endAfterQueued = true;
    this.sendQueued(s);
    if (s.queuedBytes > STREAM_QUEUE_BYTES && !s.closed) return new Promise((resolve) => (s.drained = resolve));
    return undefined;
  }

  /** RST_STREAM from the edge's side (a body that failed midway, a refused stream). */
  resetStream(s: OwnStream, code: number): void {
    if (s.closed) return;
    this.emit(frame(FrameType.RST_STREAM, 0, s.id, u32(code)));
    this.closeStream(s);
  }

  private sendQueued(s: OwnStream): void {
    while (s.queued.length > 0) {
      const allowed = Math.min(s.sendWindow, this.sendWindow, this.peerMaxFrameBytes);
      if (allowed <= 0 || this.outBytes + this.socket.writableLength >= SOCKET_QUEUE_BYTES) break;
      let chunk = s.queued[0]!;
      if (chunk.length > allowed) {
        s.queued[0] = chunk.subarray(allowed);
        chunk = chunk.subarray(0, allowed);
      } else {
        s.queued.shift();
      }
      s.queuedBytes -= chunk.length;
      s.sendWindow -= chunk.length;
      this.sendWindow -= chunk.length;
      this.emitData(s, chunk, s.queued.length === 0 && s.endAfterQueued);
    }
    if (s.queued.length > 0) {
      this.blocked.add(s);
      if (this.stallTimer === undefined) this.armStall();
      return;
    }
    this.blocked.delete(s);
    if (this.blocked.size === 0) this.cancelStall();
    // Nothing was left to carry END_STREAM (an empty body, or the end came after the last chunk).
    if (s.endAfterQueued && !s.localClosed) this.emitData(s, undefined, true);
    if (s.drained !== undefined) {
      const d = s.drained;
      s.drained = undefined;
      d();
    }
  }

  private emitData(s: OwnStream, chunk: Buffer | undefined, endStream: boolean): void {
    const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    writeFrameHeader(head, 0, chunk === undefined ? 0 : chunk.length, FrameType.DATA, endStream ? Flag.END_STREAM : 0, s.id);
    this.emit(head);
    if (chunk !== undefined) this.emit(chunk);
    if (this.stallTimer !== undefined) this.armStall();
    if (endStream) this.localEnd(s);
  }

  /**
   * Zero-window abuse: a client that opens streams and never opens its window (or never reads
   * the socket) would hold their answers and its stream slots forever. No DATA sent for
   * MIN_STALL_MS (or the idle timeout, when longer) while answers wait: GOAWAY ENHANCE_YOUR_CALM.
   */
  private armStall(): void {
    this.stallTimer?.cancel();
    this.stallTimer = this.o.timers.after(Math.max(MIN_STALL_MS, this.o.idleTimeoutMs), () => {
      this.stallTimer = undefined;
      if (this.blocked.size > 0) this.calm('flow-control stall', { streamsWaiting: this.blocked.size });
    });
  }

  private cancelStall(): void {
    this.stallTimer?.cancel();
    this.stallTimer = undefined;
  }

  private localEnd(s: OwnStream): void {
    s.localClosed = true;
    if (!s.remoteOpen) this.closeStream(s);
    else {
      // RFC 9113 §8.1: the answer is complete while the client is still sending; it may stop now.
      this.emit(frame(FrameType.RST_STREAM, 0, s.id, u32(ErrorCode.NO_ERROR)));
      this.closeStream(s);
    }
  }

  private emit(b: Buffer): void {
    this.out.push(b);
    this.outBytes += b.length;
    if (!this.inRead && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushNow);
    }
  }

  private flush(): void {
    if (this.out.length === 0 || this.closed) {
      this.out.length = 0;
      this.outBytes = 0;
      return;
    }
    const bytes = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outBytes);
    this.out.length = 0;
    this.outBytes = 0;
    if (!this.socket.write(bytes)) {
      this.socket.pause();
      if (this.socket.writableLength > this.o.limits.maxSessionMemoryMiB * 1024 * 1024) this.calm('output not read', {});
    }
  }

  // ---- reading ----

  private onData(chunk: Buffer): void {
    this.inRead = true;
    try {
      const fault = this.reader.push(chunk);
      if (fault === 'frame too large') this.connectionError(ErrorCode.FRAME_SIZE_ERROR, fault);
      else if (fault === 'bad connection preface') this.connectionError(ErrorCode.PROTOCOL_ERROR, fault);
    } finally {
      this.inRead = false;
    }
    this.flush();
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (!this.settingsSeen && type !== FrameType.SETTINGS) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'the client preface must start with SETTINGS');
    if (this.block !== undefined && type !== FrameType.CONTINUATION) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'a header block was interrupted');
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, streamId, payload);
      case FrameType.HEADERS:
        return this.onHeaders(flags, streamId, payload);
      case FrameType.CONTINUATION:
        return this.onContinuation(flags, streamId, payload);
      case FrameType.PRIORITY:
        if (streamId === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'PRIORITY on stream 0');
        if (payload.length !== 5) return this.streamError(streamId, ErrorCode.FRAME_SIZE_ERROR);
        return;
      case FrameType.RST_STREAM:
        return this.onReset(streamId, payload);
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FrameType.PUSH_PROMISE:
        return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE from a client');
      case FrameType.PING:
        return this.onPing(flags, streamId, payload);
      case FrameType.GOAWAY:
        if (streamId !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream');
        this.peerGoaway = true;
        if (this.streams.size === 0) this.end();
        return;
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      default:
        return; // §5.5: unknown frame types are ignored
    }
  }

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if (flags & Flag.ACK) {
      if (payload.length !== 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      if (!this.settingsAcked) {
        this.settingsAcked = true;
        // The announced stream window applies from now on, to open streams too (it may shrink them).
        const delta = this.o.limits.streamWindowBytes - DEFAULT_WINDOW_BYTES;
        for (const st of this.streams.values()) st.recvWindow += delta;
      }
      return;
    }
    if (payload.length % 6 !== 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS length');
    this.settingsSeen = true;
    if (!this.controlFrames.spend()) return this.calm('PING/SETTINGS flood', { controlFramesPerWindow: this.o.limits.maxControlFramesPerWindow });
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      if (id === Setting.ENABLE_PUSH && value > 1) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'ENABLE_PUSH not 0 or 1');
      if (id === Setting.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW_BYTES) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, 'INITIAL_WINDOW_SIZE too large');
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const s of this.streams.values()) {
          s.sendWindow += delta;
          if (s.sendWindow > MAX_WINDOW_BYTES) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, 'a stream window overflowed');
        }
      }
      if (id === Setting.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME_BYTES || value > 2 ** 24 - 1) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'MAX_FRAME_SIZE out of range');
        this.peerMaxFrameBytes = value;
      }
      // HEADER_TABLE_SIZE: the edge's encoder uses no dynamic table. MAX_CONCURRENT_STREAMS: the edge pushes nothing.
    }
    this.emit(frame(FrameType.SETTINGS, Flag.ACK, 0));
    for (const s of [...this.blocked]) this.sendQueued(s);
  }

  private onPing(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'PING on a stream');
    if (payload.length !== 8) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'PING length');
    if (flags & Flag.ACK) return;
    if (!this.controlFrames.spend()) return this.calm('PING/SETTINGS flood', { controlFramesPerWindow: this.o.limits.maxControlFramesPerWindow });
    this.emit(frame(FrameType.PING, Flag.ACK, 0, payload));
  }

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE length');
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW_BYTES) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, 'connection window overflowed');
      for (const s of [...this.blocked]) this.sendQueued(s);
      return;
    }
    const s = this.streams.get(streamId);
    if (s === undefined) {
      if (streamId > this.lastStreamId) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE on an idle stream');
      return; // a closed stream: §6.9 allows it shortly after
    }
    if (increment === 0) return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
    s.sendWindow += increment;
    if (s.sendWindow > MAX_WINDOW_BYTES) return this.streamError(streamId, ErrorCode.FLOW_CONTROL_ERROR);
    this.sendQueued(s);
  }

  private onReset(streamId: number, payload: Buffer): void {
    if (streamId === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
    if (payload.length !== 4) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM length');
    if (streamId > this.lastStreamId) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on an idle stream');
    const s = this.streams.get(streamId);
    if (s === undefined) return;
    // CVE-2023-44487: a stream reset before its answer was complete cost a request's work.
    if (!s.localClosed) {
      this.abort(s, new Error('stream reset by the client'));
      this.closeStream(s);
      if (!this.resets.spend()) this.calm('rapid reset', { resetsPerWindow: this.o.limits.maxResetsPerWindow });
    } else {
      this.closeStream(s);
    }
  }

  private onHeaders(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0 || streamId % 2 === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on stream 0 or a server stream');
    let at = 0;
    let end = payload.length;
    if (flags & Flag.PADDED) {
      if (payload.length < 1) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS padding');
      end -= payload[0]!;
      at = 1;
    }
    if (flags & Flag.PRIORITY) at += 5;
    if (at > end) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'HEADERS padding longer than the frame');
    const fragment = payload.subarray(at, end);
    const block: OpenBlock = { streamId, endStream: (flags & Flag.END_STREAM) !== 0, parts: [fragment], bytes: fragment.length, continuations: 0 };
    if (flags & Flag.END_HEADERS) this.onBlock(block);
    else {
      this.block = block;
      this.checkBlockBound(block);
    }
  }

  private onContinuation(flags: number, streamId: number, payload: Buffer): void {
    const block = this.block;
    if (block === undefined || block.streamId !== streamId) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without its HEADERS');
    block.parts.push(payload);
    block.bytes += payload.length;
    block.continuations++;
    if (!this.checkBlockBound(block)) return;
    if (flags & Flag.END_HEADERS) {
      this.block = undefined;
      this.onBlock(block);
    }
  }

  /** CONTINUATION floods (CVE-2024-27316 and kin): a block can only grow so far before the edge stops reading it. */
  private checkBlockBound(block: OpenBlock): boolean {
    if (block.bytes > 2 * this.o.limits.maxHeaderListBytes || block.continuations > MAX_CONTINUATIONS) {
      this.calm('CONTINUATION flood', { headerBlockBytes: block.bytes, continuations: block.continuations });
      return false;
    }
    return true;
  }

  private onBlock(block: OpenBlock): void {
    let decoded;
    try {
      const bytes = block.parts.length === 1 ? block.parts[0]! : Buffer.concat(block.parts, block.bytes);
      decoded = this.decoder.decode(bytes, this.o.limits.maxHeaderListBytes);
    } catch (err) {
      if (err instanceof HpackError) return this.connectionError(ErrorCode.COMPRESSION_ERROR, `HPACK: ${err.message}`);
      throw err;
    }
    const id = block.streamId;
    const existing = this.streams.get(id);
    if (existing !== undefined) {
      // Trailers (RFC 9113 §8.1): they must end the stream; their fields are not forwarded.
      if (!existing.remoteOpen) return this.connectionError(ErrorCode.STREAM_CLOSED, 'HEADERS after END_STREAM');
      if (!block.endStream) return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
      return this.remoteEnd(existing);
    }
    if (id <= this.lastStreamId) return this.connectionError(ErrorCode.STREAM_CLOSED, 'HEADERS on a closed stream');
    this.lastStreamId = id;
    if (this.goawaySent || this.peerGoaway) return; // §6.8: streams after GOAWAY are ignored
    if (this.streams.size >= this.o.limits.maxConcurrentStreams) {
      this.emit(frame(FrameType.RST_STREAM, 0, id, u32(ErrorCode.REFUSED_STREAM)));
      if (++this.refusedStreams > this.o.limits.maxSessionRejectedStreams) this.calm('too many refused streams', { refused: this.refusedStreams });
      return;
    }
    const s = new OwnStream(id, this.peerInitialWindow, this.settingsAcked ? this.o.limits.streamWindowBytes : DEFAULT_WINDOW_BYTES);
    this.streams.set(id, s);
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
    if (decoded.tooLarge || decoded.fields.length / 2 > this.o.limits.maxHeaderListPairs) {
      // No head: answered 431 by the server layer, as node:http2's path answers an over-long list.
      s.remoteOpen = !block.endStream;
      this.o.onRequest(this, s, block.endStream);
      return;
    }
    const head = requestHead(decoded.fields);
    if ('malformed' in head) {
      this.o.logger.log('debug', 'http2 request malformed', { reason: head.malformed });
      this.streamError(id, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    s.head = head;
    if (block.endStream) {
      s.remoteOpen = false;
      if (head.contentLength !== undefined && head.contentLength !== 0) return this.streamError(id, ErrorCode.PROTOCOL_ERROR);
    } else {
      s.body = new BodyQueue((n) => this.consumed(s, n));
    }
    this.o.onRequest(this, s, block.endStream);
  }

  private onDataFrame(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
    // Flow control counts the whole frame, padding included (§6.9.1).
    if (payload.length > this.recvWindow) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    this.recvWindow -= payload.length;
    let data = payload;
    if (flags & Flag.PADDED) {
      if (payload.length < 1 || payload[0]! >= payload.length) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'DATA padding');
      data = payload.subarray(1, payload.length - payload[0]!);
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const s = this.streams.get(streamId);
    if (s === undefined || !s.remoteOpen) {
      this.giveBack(undefined, payload.length);
      if (streamId > this.lastStreamId) return this.connectionError(ErrorCode.PROTOCOL_ERROR, 'DATA on an idle stream');
      if (s !== undefined) return this.streamError(streamId, ErrorCode.STREAM_CLOSED);
      return; // a stream the edge already closed (reset or answered): §5.1 allows DATA in flight
    }
    if (payload.length > s.recvWindow) return this.streamError(streamId, ErrorCode.FLOW_CONTROL_ERROR);
    s.recvWindow -= payload.length;
    // Padding is never read by anyone: its window comes back at once.
    if (payload.length > data.length) this.giveBack(s, payload.length - data.length);
    if (data.length === 0 && !endStream && !this.controlFrames.spend()) return this.calm('empty DATA flood', { controlFramesPerWindow: this.o.limits.maxControlFramesPerWindow });
    s.receivedBytes += data.length;
    const declared = s.head?.contentLength;
    if (declared !== undefined && (s.receivedBytes > declared || (endStream && s.receivedBytes !== declared))) {
      return this.streamError(streamId, ErrorCode.PROTOCOL_ERROR);
    }
    if (data.length > 0) {
      if (s.body !== undefined) s.body.push(data);
      else this.giveBack(s, data.length); // a body the pipeline does not read (GET): dropped, window returned
    }
    if (endStream) this.remoteEnd(s);
  }

  /** The pipeline read `bytes` of a stream's body: open both windows by that much. */
  private consumed(s: OwnStream, bytes: number): void {
    this.giveBack(s, bytes);
  }

  /**
   * WINDOW_UPDATE once half a window is owed: one frame per half window rather than one per DATA
   * frame. `s` undefined: connection level only.
   */
  private giveBack(s: OwnStream | undefined, bytes: number): void {
    if (bytes === 0 || this.closed) return;
    this.recvUnacked += bytes;
    if (this.recvUnacked >= this.o.limits.sessionWindowBytes / 2) {
      this.recvWindow += this.recvUnacked;
      this.emit(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(this.recvUnacked)));
      this.recvUnacked = 0;
    }
    if (s === undefined || s.closed || !s.remoteOpen) return;
    const target = this.settingsAcked ? this.o.limits.streamWindowBytes : DEFAULT_WINDOW_BYTES;
    const owed = target - s.recvWindow;
    if (owed >= target / 2) {
      s.recvWindow += owed;
      this.emit(frame(FrameType.WINDOW_UPDATE, 0, s.id, u32(owed)));
    }
  }

  private remoteEnd(s: OwnStream): void {
    s.remoteOpen = false;
    s.body?.end();
    if (s.localClosed) this.closeStream(s);
  }

  // ---- stream and connection ends ----

  private abort(s: OwnStream, err: Error): void {
    if (!s.localClosed) s.aborted = true;
    s.body?.fail(err);
  }

  private closeStream(s: OwnStream): void {
    if (s.closed) return;
    s.localClosed = true;
    // Body bytes received and never read come back to the connection window.
    if (s.body !== undefined && s.body.bufferedBytes > 0) {
      const unread = s.body.bufferedBytes;
      s.body.fail(new Error('stream closed'));
      this.giveBack(undefined, unread);
    }
    this.blocked.delete(s);
    if (this.blocked.size === 0) this.cancelStall();
    s.queued.length = 0;
    s.queuedBytes = 0;
    this.streams.delete(s.id);
    s.markClosed();
    if (this.streams.size === 0) {
      if (this.goawaySent || this.peerGoaway) this.end();
      else this.armIdle();
    }
  }

  /** RST_STREAM for a stream-level error (§5.4.2); too many of them and the session is closed. */
  private streamError(streamId: number, code: number): void {
    this.emit(frame(FrameType.RST_STREAM, 0, streamId, u32(code)));
    const s = this.streams.get(streamId);
    if (s !== undefined) {
      this.abort(s, new Error('stream error'));
      this.closeStream(s);
    }
    if (++this.invalidFrames > this.o.limits.maxSessionInvalidFrames) this.calm('too many invalid frames', { invalidFrames: this.invalidFrames });
  }

  private connectionError(code: number, reason: string): void {
    this.o.logger.log('debug', 'http2 connection error', { reason, client: this.remoteAddress });
    this.goaway(code);
    this.end();
  }

  /** Over a budget: GOAWAY ENHANCE_YOUR_CALM, one warning line, then the connection is closed. */
  private calm(reason: string, fields: Record<string, unknown>): void {
    if (this.goawaySent || this.closed) return;
    this.o.logger.log('warn', `http2 ${reason}: session closed`, { client: this.remoteAddress, ...fields });
    this.goaway(ErrorCode.ENHANCE_YOUR_CALM);
    this.end();
  }

  private goaway(code: number): void {
    if (this.goawaySent || this.closed) return;
    this.goawaySent = true;
    const payload = Buffer.allocUnsafe(8);
    payload.writeUInt32BE(this.lastStreamId, 0);
    payload.writeUInt32BE(code, 4);
    this.emit(frame(FrameType.GOAWAY, 0, 0, payload));
  }

  /** Writes what is queued, then ends the socket; streams still open are abandoned. */
  private end(): void {
    if (this.closed) return;
    this.reader.stopped = true;
    this.flush();
    this.teardown();
    this.socket.end();
    if (this.socket.destroyed) return;
    const cut = this.o.timers.after(CLOSE_GRACE_MS, () => this.socket.destroy());
    this.socket.once('close', () => cut.cancel());
  }

  /** Stops reading and timing; streams still open are closed as not completed (their watchers report them). */
  private teardown(): void {
    this.closed = true;
    this.reader.stopped = true;
    this.idleTimer?.cancel();
    this.cancelStall();
    for (const s of this.streams.values()) {
      this.abort(s, new Error('connection closed'));
      s.markClosed();
    }
    this.streams.clear();
    this.o.onClosed(this);
  }

  private armIdle(): void {
    this.idleTimer?.cancel();
    this.idleTimer = this.o.timers.after(this.o.idleTimeoutMs, () => {
      this.idleTimer = undefined;
      if (this.streams.size === 0) this.close();
    });
  }

  private sendSettings(): void {
    const l = this.o.limits;
    const settings: [number, number][] = [
      [Setting.HEADER_TABLE_SIZE, HEADER_TABLE_BYTES],
      [Setting.ENABLE_PUSH, 0],
      [Setting.MAX_CONCURRENT_STREAMS, l.maxConcurrentStreams],
      [Setting.INITIAL_WINDOW_SIZE, l.streamWindowBytes],
      [Setting.MAX_FRAME_SIZE, DEFAULT_MAX_FRAME_BYTES],
      [Setting.MAX_HEADER_LIST_SIZE, l.maxHeaderListBytes],
    ];
    const payload = Buffer.allocUnsafe(6 * settings.length);
    settings.forEach(([id, value], i) => {
      payload.writeUInt16BE(id, 6 * i);
      payload.writeUInt32BE(value, 6 * i + 2);
    });
    this.emit(frame(FrameType.SETTINGS, 0, 0, payload));
    // The connection window starts at 65,535 whatever SETTINGS say (§6.9.2); raise it to the configured size.
    if (l.sessionWindowBytes > DEFAULT_WINDOW_BYTES) this.emit(frame(FrameType.WINDOW_UPDATE, 0, 0, u32(l.sessionWindowBytes - DEFAULT_WINDOW_BYTES)));
  }
}
