/**
 * The access log's buffer: a `RequestObserver` that only queues the completed-request record
 * (no formatting, no I/O on the request's path) and formats and writes batches later, on a
 * timer. It is bounded twice: at most `maxQueued` records wait, and while the sink reports
 * backpressure nothing more is written. A full queue drops the record and counts it; it never
 * blocks a request and never grows without bound.
 */
import type { TimerHandle, Timers } from '../../common/ports.js';
import type { CompletedRequest, RequestObserver } from '../pipeline/request-events.js';
import { formatAccessLine, type AccessLogFormat } from './format.js';

/** Where lines go: a file or stderr in the binary, an array in tests. */
export interface AccessLogSink {
  /** Returns false when the sink is full; `onDrain` is called once it can take more. */
  write(text: string): boolean;
  onDrain(callback: () => void): void;
}

export interface AccessLogOptions {
  format: AccessLogFormat;
  sink: AccessLogSink;
  timers: Timers;
  /** Records that may wait to be written; beyond this they are dropped and counted. Default 16384. */
  maxQueued?: number;
  /** How long a record may wait before its batch is written. Default 100 ms. */
  flushDelayMs?: number;
  /** Records formatted into one write at most, so one flush never holds the event loop long. Default 1024. */
  maxBatch?: number;
}

export const ACCESS_LOG_DEFAULTS = { maxQueued: 16_384, flushDelayMs: 100, maxBatch: 1024 } as const;

export class AccessLog implements RequestObserver {
  /** Records written to the sink. */
  written = 0;
  /** Records dropped because the queue was full. */
  dropped = 0;
  private queue: CompletedRequest[] = [];
  private timer: TimerHandle | undefined;
  /** True while the sink has refused more and we wait for its drain. */
  private blocked = false;
  private readonly maxQueued: number;
  private readonly flushDelayMs: number;
  private readonly maxBatch: number;

  constructor(private readonly o: AccessLogOptions) {
    this.maxQueued = o.maxQueued ?? ACCESS_LOG_DEFAULTS.maxQueued;
    this.flushDelayMs = o.flushDelayMs ?? ACCESS_LOG_DEFAULTS.flushDelayMs;
    this.maxBatch = o.maxBatch ?? ACCESS_LOG_DEFAULTS.maxBatch;
  }

  completed(event: CompletedRequest): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(event);
    if (this.timer === undefined && !this.blocked) this.timer = this.o.timers.after(this.flushDelayMs, () => this.flushSoon());
  }

  /** Records waiting to be written. */
  get queued(): number {
    return this.queue.length;
  }

  /** Writes everything queued now, batch by batch, until the sink pushes back (shutdown, tests). */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    while (this.queue.length > 0 && !this.blocked) this.writeBatch();
  }

  private flushSoon(): void {
    this.timer = undefined;
    if (this.blocked) return;
    this.writeBatch();
    // More than one batch waiting: the rest goes on the next turn, leaving requests in between.
    if (this.queue.length > 0 && !this.blocked) this.timer = this.o.timers.after(0, () => this.flushSoon());
  }

  private writeBatch(): void {
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch);
    let text = '';
    for (const event of batch) text += formatAccessLine(this.o.format, event);
    this.written += batch.length;
    if (!this.o.sink.write(text)) {
      this.blocked = true;
      this.o.sink.onDrain(() => {
        this.blocked = false;
        if (this.queue.length > 0 && this.timer === undefined) this.timer = this.o.timers.after(0, () => this.flushSoon());
      });
    }
  }
}
