/**
 * One client connection of the own HTTP/1.1 server: reads a net.Socket, parses request heads
 * strictly (parser.ts), streams request bodies with backpressure (Content-Length or chunked),
 * answers requests one at a time in order (pipelined requests wait in a bounded buffer), and keeps
 * the connection alive as RFC 9112 §9.3 allows. Timeouts run on the Timers port: a client has
 * `headersTimeoutMs` from the first byte of a head to its end (then 408 and close) and
 * `keepAliveTimeoutMs` of silence between requests (then close). A response written whole waits for
 * the socket to drain before the next pipelined request is parsed (reading pauses meanwhile).
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { RequestHeaders } from '../../../common/http.js';
import type { Clock, InformationalResponse, Logger, TimerHandle, Timers } from '../../../common/ports.js';
import { requestIdOf } from '../../access-log/request-id.js';
import type { EdgeRequest, EdgeResponse, Outcome } from '../../pipeline/types.js';
import type { WatchOptions } from '../watch-request.js';
import { joinAnswer, type AnswerSlab } from './answer-slab.js';
import { ChunkedDecoder, type ChunkedLimits } from './chunked.js';
import { bodyForPipeline, edgeRequestOf } from '../../pipeline/incoming-request.js';
import { FieldLineMemo } from './field-line-memo.js';
import { parseRequestHead, type ParserLimits, type RequestHead } from './parser.js';
import { bodyForbidden, checkChangingFields, isWritableField, serializeChangingFields, serializeFieldBlock, serializeResponseHead, type BodyPlan, type FieldBlock } from './response-head.js';

export type RequestHandler = (req: EdgeRequest) => EdgeResponse | Promise<EdgeResponse>;

export interface ConnectionOptions {
  parser: ParserLimits;
  chunked: ChunkedLimits;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /**
   * Longest wait for the next bytes of a request body while its consumer is ready for them (a
   * consumer that is full is not the client's fault, so no timer runs then). Then the body fails
   * and the connection closes.
   */
  bodyIdleTimeoutMs: number;
  /**
   * Longest time a request body may take in all, however steadily its bytes trickle in (node:http's
   * requestTimeout). Then the body fails and the connection closes.
   */
  requestBodyTimeoutMs: number;
  /**
   * Longest wait for the client to take response bytes once the socket's buffer is full (a client
   * that reads nothing would otherwise hold the response, and the origin connection feeding it,
   * forever). Then the connection is destroyed.
   */
  sendIdleTimeoutMs: number;
  /** Bytes of pipelined requests buffered while one is answered; reading pauses beyond. */
  maxPipelinedBytes: number;
  timers: Timers;
  clock: Clock;
  logger: Logger;
  /** Told about every finished request (access log, duration histograms), as node-server.ts does. */
  watch?: WatchOptions | undefined;
  /**
   * Where small answers are joined into one buffer (answer-slab.ts), shared by one server's
   * connections; undefined writes block, fields and body as separate chunks.
   */
  answerSlab?: AnswerSlab | undefined;
}

/**
 * The request in progress, as the watch reports it when its response is over. One per
 * connection, refilled for each request (a connection has one request in progress at a time): a
 * new one per request was 72 of the ~2.3 KB a browser-like hit allocated in process. `active` is
 * false between requests, and the watch is handed a record of its own (completed()), never this.
 */
interface Watched {
  active: boolean;
  head: RequestHead | undefined;
  headers: RequestHeaders | undefined;
  startMonoMs: number;
  startWallMs: number;
  status: number;
  outcome: Outcome | undefined;
}

type BodyReader = { kind: 'length'; remaining: number; sink: Readable | undefined } | { kind: 'chunked'; decoder: ChunkedDecoder; sink: Readable | undefined };

/** Shared by every connection with nothing pending: a zero-length Buffer has no bytes to change. */
const NO_BYTES = Buffer.alloc(0);

const REJECT_BODY: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large', 501: 'Not Implemented', 505: 'HTTP Version Not Supported' };

export class Http1Connection {
  private pending: Buffer = NO_BYTES;
  /** The previous head's field lines, reused where the next head repeats them (field-line-memo.ts). */
  private readonly fieldLines = new FieldLineMemo();
  private body: BodyReader | undefined;
  /** A request has been handed to the handler and its response is not finished. */
  private inFlight = false;
  private closed = false;
  /** Close after the current response (server draining, a Connection: close exchange). */
  private closeAfterResponse = false;
  /** The client half-closed: answer what it sent completely, then close. */
  private peerEnded = false;
  /** The last request asked for the connection to close: bytes after it are not a request (RFC 9112 §9.6). */
  private clientSaidClose = false;
  private sinkWantsMore = true;
  /** pump() is on the stack: a response finished synchronously lets that loop go on, not a new frame. */
  private pumping = false;
  /** The current pump() corked the socket (bytes followed a head it parsed: a pipelined request, a body). */
  private pumpCorked = false;
  /** A response is written whole but waits in the socket for the client to read: reading pauses. */
  private awaitingDrain = false;
  private headersTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  /** When the wait for the next request began (monotonic); undefined while a request is in progress. */
  private idleSinceMonoMs: number | undefined;
  private bodyTimer: TimerHandle | undefined;
  private bodyDeadline: TimerHandle | undefined;
  private readonly watched: Watched = { active: false, head: undefined, headers: undefined, startMonoMs: 0, startWallMs: 0, status: 200, outcome: undefined };
  /** The current request's final response head has been written (no 1xx after it). */
  private responseStarted = false;
  private dateSecond = -1;
  private dateText = '';
  /** Read once: the peer's address does not change, and the getter goes through libuv. */
  private readonly remoteAddress: string | undefined;
  /** One function per connection rather than a closure per request. */
  private readonly informational = (info: InformationalResponse): void => this.writeInformational(info);

  /** receiveReused() is on the stack: `pending` may be a view of a buffer the next read overwrites. */
  private readingReused = false;

  /** Answer-slab regions this connection wrote and has not settled, and the slab they came from. */
  private slabRegions = 0;
  private slabGeneration = -1;

  /**
   * `reads`: 'events' reads the socket's 'data' events; 'fed' means the socket was built with a
   * reused read buffer (reused-read.ts) and its owner hands each read to receiveReused().
   */
  constructor(
    private readonly socket: Socket,
    private readonly handler: RequestHandler,
    private readonly o: ConnectionOptions,
    private readonly onClosed: (c: Http1Connection) => void,
    reads: 'events' | 'fed' = 'events',
  ) {
    this.remoteAddress = socket.remoteAddress;
    socket.setNoDelay(true);
    if (reads === 'events') socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // No 'data' listener to start the flow: without it the socket's 'end' would never be emitted.
    else socket.resume();
    socket.on('end', () => this.onEnd());
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.onClose());
    this.armIdle();
  }

  /** Between requests with nothing buffered: safe to close without cutting a response. */
  get idle(): boolean {
    return !this.inFlight && this.pending.length === 0 && this.body === undefined;
  }

  /** Shutdown: finish the response in progress (with Connection: close), take no new request. */
  drain(): void {
    this.closeAfterResponse = true;
    if (this.idle) this.end();
  }

  closeIfIdle(): void {
    if (this.idle) this.end();
  }

  destroy(): void {
    if (this.closed) return;
    this.socket.destroy();
    this.onClose();
  }

  private end(): void {
    if (this.closed) return;
    this.cancelTimers();
    this.socket.end();
    this.socket.destroySoon();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimers();
    this.body?.sink?.destroy(new Error('client connection closed'));
    this.body = undefined;
    this.completed(false);
    this.onClosed(this);
  }

  private onEnd(): void {
    // Every byte the client sent has been seen; a body still waiting for bytes never gets them.
    this.peerEnded = true;
    if (this.body !== undefined) {
      this.body.sink?.destroy(new Error('client closed mid-body'));
      this.destroy();
      return;
    }
    if (!this.inFlight) this.pump();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pump();
  }

  /**
   * One read whose bytes live in a buffer the next read (of any connection) overwrites: they are
   * parsed now, and whatever outlives this call (pipelined bytes, part of a head, body chunks
   * handed to the request's stream) is copied. Request heads are strings already.
   */
  receiveReused(bytes: Buffer): void {
    if (this.closed) return;
    this.readingReused = this.pending.length === 0; // otherwise onData concatenates: a copy
    try {
      this.onData(bytes);
    } finally {
      if (this.readingReused && this.pending.length > 0 && this.pending.buffer === bytes.buffer) this.pending = Buffer.from(this.pending);
      this.readingReused = false;
    }
  }

  /** Moves buffered bytes along: into the current body, or into the next request head. */
  private pump(): void {
    // A hit answered synchronously finishes inside startRequest; the loop below takes the next
    // pipelined request, so deep pipelines do not nest one stack frame chain per request.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpLoop();
    } finally {
      this.pumping = false;
      if (this.pumpCorked) {
        this.pumpCorked = false;
        this.socket.uncork();
      }
      this.settleSlab();
    }
  }

  /** At the end of pump(), or right after a write outside it: tells the slab whether the regions written since are still queued. */
  private settleSlab(): void {
    if (this.slabRegions === 0) return;
    this.o.answerSlab!.settle(this.slabGeneration, this.slabRegions, this.socket.writableLength > 0);
    this.slabRegions = 0;
  }

  /** One region holding the whole answer, or undefined (no slab, or too big). */
  private joined(block: Buffer, headers: readonly string[], changingFrom: number, changingBytes: number, tail: string, body: Buffer | undefined): Buffer | undefined {
    const slab = this.o.answerSlab;
    if (slab === undefined) return undefined;
    const region = joinAnswer(slab, block, headers, changingFrom, changingBytes, tail, body);
    if (region === undefined) return undefined;
    if (slab.generation !== this.slabGeneration) {
      // Regions of an earlier slab need no settling: it is never handed out again.
      this.slabGeneration = slab.generation;
      this.slabRegions = 0;
    }
    this.slabRegions++;
    return region;
  }

  private pumpLoop(): void {
    while (!this.closed) {
      if (this.body !== undefined) {
        if (!this.feedBody()) return;
        continue;
      }
      if (this.inFlight) {
        this.updateReading();
        return;
      }
      if (this.pending.length === 0) {
        if (this.peerEnded || this.closeAfterResponse) {
          this.end();
          return;
        }
        this.armIdle();
        this.updateReading();
        return;
      }
      if (this.clientSaidClose) {
        // RFC 9112 §9.6: what follows a request with Connection: close is not a request; drop it.
        this.pending = NO_BYTES;
        this.end();
        return;
      }
      if (this.closeAfterResponse) {
        this.end();
        return;
      }
      this.cancelIdle();
      const r = parseRequestHead(this.pending, this.o.parser, this.fieldLines);
      if (r.kind === 'incomplete' && this.peerEnded) {
        this.rejectAndClose(400, 'incomplete request head at end of input');
        return;
      }
      if (r.kind === 'incomplete') {
        this.headersTimer ??= this.o.timers.after(this.o.headersTimeoutMs, () => this.rejectAndClose(408, 'request head timeout'));
        // The rest of the head is still to come: reading may have paused for an answer's drain.
        this.updateReading();
        return;
      }
      if (r.kind === 'reject') {
        this.rejectAndClose(r.rejection.status, r.rejection.reason);
        return;
      }
      this.headersTimer?.cancel();
      this.headersTimer = undefined;
      // A read holding exactly one head (nearly always) leaves nothing: no view made for it.
      this.pending = r.consumed === this.pending.length ? NO_BYTES : this.pending.subarray(r.consumed);
      // More bytes after this head (pipelined requests, or a body): the answers written in this
      // loop wait for the uncork and leave in one writev. A read of one request (nearly every
      // read) is not corked: its one write then goes straight out, where corking it made the
      // write wait in the Writable's queue (an entry, a new queue array and its store: about 300
      // of the 3.3 KB a browser-like hit allocated in a running edge, heap profiler under wrk).
      if (this.pending.length > 0 && !this.pumpCorked) {
        this.pumpCorked = true;
        this.socket.cork();
      }
      this.startRequest(r.head);
    }
  }

  /** Feeds pending bytes to the current body; false when it needs more bytes or the socket is gone. */
  private feedBody(): boolean {
    const b = this.body!;
    if (b.kind === 'length') {
      const n = Math.min(b.remaining, this.pending.length);
      if (n > 0) {
        this.push(b.sink, this.pending.subarray(0, n));
        this.pending = this.pending.subarray(n);
        b.remaining -= n;
      }
      if (b.remaining > 0) {
        this.updateReading();
        this.armBodyTimer();
        return false;
      }
    } else {
      const r = b.decoder.decode(this.pending);
      if (!r.ok) {
        b.sink?.destroy(new Error(r.reason));
        this.body = undefined;
        this.bodyDeadline?.cancel();
        this.bodyDeadline = undefined;
        if (this.inFlight) this.destroy();
        else this.rejectAndClose(400, r.reason);
        return false;
      }
      for (const c of r.chunks) this.push(b.sink, c);
      this.pending = this.pending.subarray(r.consumed);
      if (!r.done) {
        this.updateReading();
        this.armBodyTimer();
        return false;
      }
    }
    b.sink?.push(null);
    this.body = undefined;
    this.cancelBodyTimer();
    this.bodyDeadline?.cancel();
    this.bodyDeadline = undefined;
    return true;
  }

  private armBodyTimer(): void {
    this.cancelBodyTimer();
    if (!this.sinkWantsMore) return;
    this.bodyTimer = this.o.timers.after(this.o.bodyIdleTimeoutMs, () => {
      this.bodyTimer = undefined;
      this.body?.sink?.destroy(new Error('request body timeout'));
      this.destroy();
    });
  }

  private cancelBodyTimer(): void {
    this.bodyTimer?.cancel();
    this.bodyTimer = undefined;
  }

  private push(sink: Readable | undefined, bytes: Buffer): void {
    if (sink === undefined || sink.destroyed) return; // discarded: the response did not want it
    // A subarray of a socket chunk is safe to hand on (never written to after it arrives); one of
    // the reused read buffer is not.
    if (!sink.push(this.readingReused ? Buffer.from(bytes) : bytes)) {
      this.sinkWantsMore = false;
      this.cancelBodyTimer();
    }
  }

  /** Reading stops while the body consumer is full or too many pipelined bytes wait. */
  private updateReading(): void {
    const full = this.awaitingDrain || (this.body !== undefined && !this.sinkWantsMore) || (this.inFlight && this.body === undefined && this.pending.length > this.o.maxPipelinedBytes);
    if (full) this.socket.pause();
    else this.socket.resume();
  }

  private startRequest(head: RequestHead): void {
    this.inFlight = true;
    if (!head.keepAlive) this.clientSaidClose = true;
    const headers = head.headers;
    const carriesBody = head.framing.kind !== 'none';
    const wantsBody = bodyForPipeline(head.method, carriesBody);
    let sink: Readable | undefined;
    if (wantsBody) {
      this.sinkWantsMore = true;
      sink = new Readable({
        read: () => {
          this.sinkWantsMore = true;
          if (!this.closed) {
            this.updateReading();
            if (this.pending.length > 0 && this.body !== undefined) this.pump();
          }
        },
      });
    }
    if (head.framing.kind === 'length') this.body = { kind: 'length', remaining: head.framing.bytes, sink };
    else if (head.framing.kind === 'chunked') this.body = { kind: 'chunked', decoder: new ChunkedDecoder(this.o.chunked), sink };
    if (this.body !== undefined) {
      this.bodyDeadline = this.o.timers.after(this.o.requestBodyTimeoutMs, () => {
        this.bodyDeadline = undefined;
        this.body?.sink?.destroy(new Error('request body timeout (total)'));
        this.destroy();
      });
    }
    // node:http's default: the interim answer goes out as soon as the head is read.
    if (head.expectContinue && carriesBody) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    this.responseStarted = false;
    const watch = this.o.watch;
    if (watch !== undefined) {
      // Without an access log nobody reads the wall-clock start (watch-request.ts, fullRecord);
      // with one it comes from the monotonic reading when the watch can map it (wallAt).
      const startMonoMs = watch.clock.monoMs();
      const startWallMs = watch.fullRecord === false ? 0 : watch.wallAt === undefined ? watch.clock.wallMs() : watch.wallAt(startMonoMs);
      const w = this.watched;
      w.active = true;
      w.head = head;
      w.headers = headers;
      w.startMonoMs = startMonoMs;
      w.startWallMs = startWallMs;
      w.status = 200;
      w.outcome = undefined;
    }
    const req = edgeRequestOf(
      head.method,
      head.target,
      headers,
      sink,
      this.remoteAddress,
      // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client.
      head.minorVersion === 1 ? this.informational : undefined,
    );
    let result: EdgeResponse | Promise<EdgeResponse>;
    try {
      result = this.handler(req);
    } catch (err) {
      this.fail(head, err);
      return;
    }
    if (result instanceof Promise) result.then((r) => this.respond(head, r, true), (err: unknown) => this.fail(head, err));
    else this.respond(head, result, true);
  }

  /** 102 and 103 (with a Link field, as node:http requires) before the final response; others dropped. */
  private writeInformational(info: InformationalResponse): void {
    if (this.closed || this.responseStarted) return;
    if (info.status === 102) {
      this.socket.write('HTTP/1.1 102 Processing\r\n\r\n');
      return;
    }
    if (info.status !== 103 || !info.headers.some(([n]) => n.toLowerCase() === 'link')) return;
    let text = 'HTTP/1.1 103 Early Hints\r\n';
    for (const [name, value] of info.headers) {
      if (!isWritableField(name, value)) return; // advisory: a bad hint is dropped, the final answer still goes out
      text += `${name}: ${value}\r\n`;
    }
    this.socket.write(`${text}\r\n`, 'latin1');
  }

  /** Reports the request in progress to the watch, once: `done` when its response was written whole. */
  private completed(done: boolean): void {
    const w = this.watched;
    const watch = this.o.watch;
    if (!w.active || watch === undefined) return;
    w.active = false;
    const head = w.head!;
    const headers = w.headers!;
    const outcome = w.outcome ?? { kind: 'error', hit: false, detail: 'edge-error', bytes: 0 };
    // Nothing of the finished request stays reachable from the connection while it waits.
    w.head = undefined;
    w.headers = undefined;
    w.outcome = undefined;
    const protocol = head.minorVersion === 1 ? 'HTTP/1.1' : 'HTTP/1.0';
    if (watch.fullRecord === false) {
      // No access log: the duration histograms read the outcome, protocol, status and duration,
      // so the record's log fields (request id, address, target, Referer, User-Agent) are not made.
      watch.observer.completed({
        startWallMs: 0,
        durationMs: watch.clock.monoMs() - w.startMonoMs,
        clientAddress: undefined,
        method: head.method,
        target: '',
        protocol,
        status: w.status,
        outcome,
        requestId: '',
        completed: done,
        referer: undefined,
        userAgent: undefined,
      });
      return;
    }
    const agents = watch.agentFields !== false;
    watch.observer.completed({
      startWallMs: w.startWallMs,
      durationMs: watch.clock.monoMs() - w.startMonoMs,
      clientAddress: this.remoteAddress,
      method: head.method,
      target: head.target,
      protocol,
      status: w.status,
      outcome,
      requestId: requestIdOf(headers['x-request-id'], watch.makeRequestId),
      completed: done,
      referer: agents ? firstValue(headers['referer']) : undefined,
      userAgent: agents ? firstValue(headers['user-agent']) : undefined,
    });
  }

  private date(): string {
    const nowMs = this.o.clock.wallMs();
    const second = Math.floor(nowMs / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.dateText = new Date(second * 1000).toUTCString();
    }
    return this.dateText;
  }

  /** `answered`: the pipeline's answer (its outcome is reported), not the adapter's own 502. */
  private respond(head: RequestHead, r: EdgeResponse, answered: boolean): void {
    if (this.closed) {
      discard(r.body);
      return;
    }
    if (this.watched.active) {
      this.watched.status = r.status;
      if (answered) this.watched.outcome = r.outcome;
    }
    const forbidden = bodyForbidden(head.method, r.status);
    let out;
    let keptEnd: number;
    let changingBytes: number;
    try {
      const wire = r.wire;
      // A reused answer: its block is kept (up to the fields that change per response, if it says so).
      keptEnd = wire?.changingFrom ?? r.headers.length;
      changingBytes = keptEnd < r.headers.length ? checkChangingFields(r.headers, keptEnd) : 0;
      let block = wire?.head as FieldBlock | undefined;
      if (block === undefined) {
        block = serializeFieldBlock(r.status, r.headers, keptEnd);
        if (wire !== undefined) wire.head = block;
      }
      out = serializeResponseHead({
        status: r.status,
        headers: r.headers,
        method: head.method,
        minorVersion: head.minorVersion,
        keepAlive: head.keepAlive && !this.closeAfterResponse,
        bodyBytes: r.body === undefined ? null : Buffer.isBuffer(r.body) ? r.body.length : undefined,
        date: this.date(),
      }, block);
    } catch (err) {
      discard(r.body);
      this.fail(head, err);
      return;
    }
    const { block, tail, plan, keepAlive } = out;
    if (!keepAlive) this.closeAfterResponse = true;
    this.responseStarted = true;
    const noBody = r.body === undefined || forbidden || plan.kind === 'none';
    if (noBody || Buffer.isBuffer(r.body)) {
      const body = noBody ? undefined : (r.body as Buffer);
      if (noBody) discard(r.body);
      const whole = this.joined(block.bytes, r.headers, keptEnd, changingBytes, tail, body);
      if (whole !== undefined) {
        this.socket.write(whole);
        // Outside pump() nothing uncorks later: the region's fate is known now.
        if (!this.pumping) this.settleSlab();
        this.finishWhenDrained();
        return;
      }
    }
    // One writev: the kept field block, this response's few fields and the body leave together.
    this.socket.cork();
    this.socket.write(block.bytes);
    // The changing fields come first in the tail, as in a joined answer.
    this.socket.write(changingBytes > 0 ? serializeChangingFields(r.headers, keptEnd) + tail : tail, 'latin1');
    if (r.body === undefined || forbidden || plan.kind === 'none') {
      this.socket.uncork();
      this.finishWhenDrained();
    } else if (Buffer.isBuffer(r.body)) {
      this.socket.write(r.body);
      this.socket.uncork();
      this.finishWhenDrained();
    } else {
      this.socket.uncork();
      this.stream(r.body, plan).then(
        () => this.finishWhenDrained(),
        (err: unknown) => {
          // Headers are gone already; closing the connection is how a truncated body is signalled.
          this.o.logger.log('warn', 'response stream failed', { error: String(err) });
          this.destroy();
        },
      );
    }
  }

  private async stream(body: AsyncIterable<Uint8Array>, plan: BodyPlan): Promise<void> {
    let sent = 0;
    for await (const chunk of body) {
      if (this.closed) throw new Error('client connection closed');
      if (chunk.length === 0) continue;
      sent += chunk.length;
      let ok: boolean;
      if (plan.kind === 'chunked') {
        this.socket.cork();
        this.socket.write(`${chunk.length.toString(16)}\r\n`);
        this.socket.write(chunk);
        ok = this.socket.write('\r\n');
        this.socket.uncork();
      } else {
        if (plan.kind === 'length' && sent > plan.bytes) throw new Error('response body longer than its Content-Length');
        ok = this.socket.write(chunk);
      }
      if (!ok) await this.drained();
    }
    if (plan.kind === 'chunked') this.socket.write('0\r\n\r\n');
    else if (plan.kind === 'length' && sent !== plan.bytes) throw new Error('response body shorter than its Content-Length');
  }

  /**
   * A response written whole in one go: the request stays in flight (and reading stays paused)
   * until the socket has room again, so a client that does not read cannot make the edge queue
   * one answer per pipelined request.
   */
  private finishWhenDrained(): void {
    if (!this.socket.writableNeedDrain) {
      this.finish();
      return;
    }
    this.awaitingDrain = true;
    this.updateReading();
    this.drained().then(
      () => {
        this.awaitingDrain = false;
        this.finish();
      },
      () => {
        this.awaitingDrain = false;
        this.destroy();
      },
    );
  }

  /** Waits for the socket to take more bytes: at most `sendIdleTimeoutMs`, then the connection is destroyed. */
  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.o.timers.after(this.o.sendIdleTimeoutMs, () => {
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        this.o.logger.log('debug', 'response send timeout', { sendIdleTimeoutMs: this.o.sendIdleTimeoutMs });
        reject(new Error('response send timeout'));
        this.destroy();
      });
      const onDrain = (): void => {
        timer.cancel();
        this.socket.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        timer.cancel();
        this.socket.off('drain', onDrain);
        reject(new Error('client connection closed'));
      };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  private finish(): void {
    this.inFlight = false;
    if (this.closed) return;
    this.completed(true);
    if (this.body !== undefined) {
      // The response did not read the whole request body: the rest is read and dropped so the next
      // request starts where it should (node:http does the same), unless we close anyway.
      if (this.closeAfterResponse) {
        this.end();
        return;
      }
      this.body.sink?.destroy();
      this.body.sink = undefined;
      this.sinkWantsMore = true;
    } else if (this.closeAfterResponse) {
      this.end();
      return;
    }
    this.pump(); // pipelined requests
  }

  private fail(head: RequestHead, err: unknown): void {
    this.o.logger.log('error', 'request failed', { error: err instanceof Error ? err.message : String(err) });
    if (this.responseStarted) {
      this.destroy(); // headers are gone already: closing is how the failure is signalled
      return;
    }
    this.respond(
      head,
      {
        status: 502,
        headers: ['content-type', 'text/plain; charset=utf-8', 'cache-control', 'no-store'],
        body: Buffer.from('502 edge error\n'),
        outcome: { kind: 'error', bytes: 15, hit: false },
      },
      false,
    );
  }

  /** Answers a request that never reached the handler (bad head, timeout) and closes. */
  private rejectAndClose(status: number, reason: string): void {
    if (this.closed) return;
    this.o.logger.log('debug', 'request rejected', { status, reason });
    const text = `${status} ${REJECT_BODY[status] ?? 'Error'}\n`;
    this.socket.write(`HTTP/1.1 ${status} ${REJECT_BODY[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\nConnection: close\r\nDate: ${this.date()}\r\n\r\n${text}`);
    this.pending = NO_BYTES;
    this.end();
  }

  /**
   * The wait for the next request starts now (unless it already runs). One timer per connection
   * serves many requests: a request only clears `idleSinceMonoMs`, and a timer that fires early
   * (the connection was busy meanwhile) re-arms for what is left, so a keep-alive hit neither
   * schedules nor cancels a timer.
   */
  private armIdle(): void {
    if (this.closed) return;
    this.idleSinceMonoMs ??= this.o.clock.monoMs();
    this.idleTimer ??= this.o.timers.after(this.o.keepAliveTimeoutMs, this.onIdleTimer);
  }

  private readonly onIdleTimer = (): void => {
    this.idleTimer = undefined;
    const since = this.idleSinceMonoMs;
    if (since === undefined || this.closed) return; // a request is in progress: armIdle runs again after it
    const leftMs = since + this.o.keepAliveTimeoutMs - this.o.clock.monoMs();
    if (leftMs > 0) this.idleTimer = this.o.timers.after(leftMs, this.onIdleTimer);
    else if (this.idle) this.end();
  };

  private cancelIdle(): void {
    this.idleSinceMonoMs = undefined;
  }

  private cancelTimers(): void {
    this.cancelIdle();
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
    this.cancelBodyTimer();
    this.bodyDeadline?.cancel();
    this.bodyDeadline = undefined;
    this.headersTimer?.cancel();
    this.headersTimer = undefined;
  }
}

/** A header's first value (the log's Referer and User-Agent); a module function, not a closure made per request. */
function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function discard(body: EdgeResponse['body']): void {
  if (body !== undefined && !Buffer.isBuffer(body)) {
    const it = body[Symbol.asyncIterator]();
    void it.return?.();
  }
}
