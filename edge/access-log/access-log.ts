/**
 * The access log's buffer: a `RequestObserver` that turns each completed-request record into its
 * line at once, as bytes appended to a preallocated chunk, and hands the chunk's new bytes to the
 * sink later, on a timer. No I/O happens on the request's path. It is bounded twice: at most
 * `maxQueued` lines wait, and while the sink reports backpressure nothing more is written. A
 * full queue drops the line and counts it; it never blocks a request and never grows without bound.
 *
 * Why a line is made when the request completes, not at flush time (issue 18's access-log bench,
 * loadtests/bench/access-log-cpu.ts): records queued for up to a flush delay outlive the young
 * generation and cost the garbage collector a promotion each, and a batch concatenated into one
 * string then encoded by the stream costs more than the line itself. Encoding each line straight
 * into a chunk that outlives them keeps neither the record nor its string.
 */
import type { TimerHandle, Timers } from '../../common/ports.js';
import type { CompletedRequest, RequestObserver } from '../pipeline/request-events.js';
import { combinedLine, DEFAULT_ID_PREFIX, type AccessLogFormat } from './format.js';
import { jsonLineMaxBytes, JsonLineWriter } from './json-line-bytes.js';

/** Where lines go: a file or stderr in the binary, an array in tests. */
export interface AccessLogSink {
  /**
   * Takes the bytes of whole lines, newline included; the log does not touch them again until
   * the sink calls `written` (once the bytes have gone out, or failed to), so the sink may keep
   * them until then. Returns false when the sink is full; `onDrain` is called once it can take more.
   */
  write(bytes: Uint8Array, written: () => void): boolean;
  onDrain(callback: () => void): void;
}

export interface AccessLogOptions {
  format: AccessLogFormat;
  sink: AccessLogSink;
  timers: Timers;
  /** Lines that may wait to be written; beyond this they are dropped and counted. Default 16384. */
  maxQueued?: number;
  /** How long a line may wait before its batch is written. Default 100 ms. */
  flushDelayMs?: number;
  /** Lines in one write at most, so one write never holds the sink long. Default 1024. */
  maxBatch?: number;
  /** What the edge's own (numbered) request ids start with: random per process in the binary (request-watching.ts). Default `edge`. */
  requestIdPrefix?: string;
  /** Bytes of one chunk lines are encoded into. Default 256 KiB (CHUNK_BYTES). */
  chunkBytes?: number;
}

export const ACCESS_LOG_DEFAULTS = { maxQueued: 16_384, flushDelayMs: 100, maxBatch: 1024 } as const;

/**
 * Bytes of one chunk: a default batch of 1,024 typical lines (about 230 bytes each in JSON) fits.
 * A longer line (a long target) gets a chunk of its own size.
 */
const CHUNK_BYTES = 256 * 1024;
/**
 * Chunks kept for reuse once every batch in them is written. A new chunk per 256 KiB of lines
 * (about 90 a second at 100k requests/s) outlives the 4 MiB young generation, so its backing store
 * is freed only by a full mark-compact: measured under wrk (2026-12-02), one every ~400 ms of
 * 4-7 ms, and the edge's p99 with the log on was 8 ms against 1 ms without. With reuse there
 * were no mark-compacts in the same run.
 */
const MAX_SPARE_CHUNKS = 8;
/** A chunk and how many of its batches the sink still holds. */
interface Chunk {
  bytes: Buffer;
  pending: number;
}

/** UTF-8 bytes a JavaScript string of n code units can take at most. */
const MAX_BYTES_PER_UNIT = 3;

export class AccessLog implements RequestObserver {
  /** Lines written to the sink. */
  written = 0;
  /** Lines dropped because the queue was full. */
  dropped = 0;
  /** Batches closed and waiting for the sink, oldest first; lines still filling lie in `chunk` from `start` to `used`. */
  private batches: { bytes: Uint8Array; lines: number; chunk: Chunk }[] = [];
  /** Lines in `batches` and in the filling part of `chunk`. */
  private queuedLines = 0;
  /** Where lines are encoded: bytes before `start` belong to closed batches, which may still wait in the sink. */
  private chunk: Chunk = { bytes: Buffer.allocUnsafe(0), pending: 0 };
  /** Written-out chunks of the standard size, ready for reuse (at most MAX_SPARE_CHUNKS). */
  private readonly spare: Chunk[] = [];
  private readonly chunkBytes: number;
  private start = 0;
  private used = 0;
  private filling = 0;
  private timer: TimerHandle | undefined;
  /** True while the sink has refused more and we wait for its drain. */
  private blocked = false;
  private readonly maxQueued: number;
  private readonly flushDelayMs: number;
  private readonly maxBatch: number;
  private readonly idPrefix: string;
  /** JSON lines; it copies what a line shares with the one before it in the chunk. */
  private readonly json: JsonLineWriter;

  constructor(private readonly o: AccessLogOptions) {
    this.idPrefix = o.requestIdPrefix ?? DEFAULT_ID_PREFIX;
    this.json = new JsonLineWriter(this.idPrefix);
    this.maxQueued = o.maxQueued ?? ACCESS_LOG_DEFAULTS.maxQueued;
    this.flushDelayMs = o.flushDelayMs ?? ACCESS_LOG_DEFAULTS.flushDelayMs;
    this.maxBatch = o.maxBatch ?? ACCESS_LOG_DEFAULTS.maxBatch;
    this.chunkBytes = o.chunkBytes ?? CHUNK_BYTES;
  }

  completed(event: CompletedRequest): void {
    if (this.queuedLines >= this.maxQueued) {
      this.dropped++;
      return;
    }
    // JSON goes straight into the chunk; the combined format (not the default) as a string first.
    const line = this.o.format === 'json' ? undefined : combinedLine(event, this.idPrefix);
    this.makeRoom(line === undefined ? jsonLineMaxBytes(event, this.idPrefix) : line.length * MAX_BYTES_PER_UNIT);
    const chunk = this.chunk.bytes;
    this.used = line === undefined ? this.json.write(chunk, this.used, event) : this.used + chunk.write(line, this.used, 'utf8');
    this.filling++;
    this.queuedLines++;
    if (this.timer === undefined && !this.blocked) this.timer = this.o.timers.after(this.flushDelayMs, () => this.flushSoon());
  }

  /** Ends the filling batch at `maxBatch` lines, and moves to a new chunk when fewer than `bytes` are left. */
  private makeRoom(bytes: number): void {
    if (this.filling < this.maxBatch && this.chunk.bytes.length - this.used >= bytes) return;
    this.closeBatch();
    if (this.chunk.bytes.length - this.used >= bytes) return;
    const previous = this.chunk;
    const reused = bytes <= this.chunkBytes ? this.spare.pop() : undefined;
    // Outside Node's shared 8 KiB pool: a chunk outlives many requests and must not pin a pool slab.
    this.chunk = reused ?? { bytes: Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, bytes)), pending: 0 };
    this.start = this.used = 0;
    this.recycle(previous);
  }

  /**
   * A chunk lines are no longer encoded into, whose batches the sink has all written, goes back to
   * the spares (standard size only). Called when the log moves on from it and on each write done.
   */
  private recycle(chunk: Chunk): void {
    if (chunk === this.chunk || chunk.pending > 0) return;
    if (chunk.bytes.length !== this.chunkBytes || this.spare.length >= MAX_SPARE_CHUNKS) return;
    this.spare.push(chunk);
  }

  /** Lines waiting to be written. */
  get queued(): number {
    return this.queuedLines;
  }

  /** Writes everything queued now, batch by batch, until the sink pushes back (the timer, shutdown, SIGHUP). */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.closeBatch();
    while (this.batches.length > 0 && !this.blocked) this.writeBatch();
  }

  /** The lines encoded since the last batch become a batch of their own; the chunk's rest stays for the next lines. */
  private closeBatch(): void {
    if (this.filling === 0) return;
    this.batches.push({ bytes: this.chunk.bytes.subarray(this.start, this.used), lines: this.filling, chunk: this.chunk });
    this.chunk.pending++;
    this.start = this.used;
    this.filling = 0;
  }

  /**
   * Hands every ready batch over until the sink pushes back. The lines are bytes already, so this
   * costs no formatting on the timer's turn; a file stream gathers the batches into one writev.
   */
  private flushSoon(): void {
    this.timer = undefined;
    this.flush();
  }

  private writeBatch(): void {
    const batch = this.batches.shift();
    if (batch === undefined) return;
    this.queuedLines -= batch.lines;
    this.written += batch.lines;
    const chunk = batch.chunk;
    const written = (): void => {
      chunk.pending--;
      this.recycle(chunk);
    };
    if (!this.o.sink.write(batch.bytes, written)) {
      this.blocked = true;
      this.o.sink.onDrain(() => {
        this.blocked = false;
        if (this.queuedLines > 0 && this.timer === undefined) this.timer = this.o.timers.after(0, () => this.flushSoon());
      });
    }
  }
}
