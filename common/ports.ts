/**
 * The ports through which edge, origin and control-plane logic reach time, randomness and the
 * network. The binaries pass the real implementations from `adapters/`; the simulator passes
 * virtual ones. Core code never calls `Date.now`, timers, `Math.random` or sockets itself.
 */
import type { HeaderList } from './http.js';

/**
 * Two clocks per node: the wall clock is what `Date`, `Age` and `Expires` are measured against
 * (the simulator may skew it or make it jump); the monotonic clock measures durations and
 * timeouts and never goes back.
 */
export interface Clock {
  wallMs(): number;
  monoMs(): number;
}

export interface TimerHandle {
  cancel(): void;
}

/** Timers run callbacks after a delay measured on the monotonic clock. */
export interface Timers {
  after(delayMs: number, callback: () => void): TimerHandle;
}

/** A source of uniformly distributed numbers; seeded in the simulator. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
}

export interface TransportTimeouts {
  /** Time allowed to establish the connection. */
  connectMs: number;
  /** Time allowed from sending the request until the response headers arrive. */
  headersMs: number;
  /** Time allowed between two body chunks. */
  bodyIdleMs: number;
}

/** A 1xx response that arrived before the final one (RFC 9110 §15.2), e.g. 103 Early Hints (RFC 8297). */
export interface InformationalResponse {
  status: number;
  headers: HeaderList;
}

export interface OutboundRequest {
  /** Scheme, host and port, e.g. `http://127.0.0.1:8000`. */
  origin: string;
  method: string;
  /** Path and query as sent on the request line. */
  target: string;
  headers: HeaderList;
  body?: Uint8Array | AsyncIterable<Uint8Array>;
  timeouts: TransportTimeouts;
  /** Called for each 1xx response before the final one; absent: they are dropped. */
  onInformational?: (info: InformationalResponse) => void;
}

export interface OutboundResponse {
  status: number;
  headers: HeaderList;
  /** Must be consumed or cancelled by the caller so the connection can be reused. */
  body: AsyncIterable<Uint8Array>;
  /** Releases the body without reading it. */
  discard(): void;
}

export type TransportErrorCode =
  | 'connect-refused'
  | 'connect-timeout'
  | 'headers-timeout'
  | 'body-timeout'
  | 'reset'
  | 'other';

/** An operational failure talking to an upstream; never thrown for an HTTP error status. */
export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Outbound HTTP. Rejects with `TransportError` when no response could be had. */
export interface Transport {
  request(req: OutboundRequest): Promise<OutboundResponse>;
  close(): Promise<void>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** A content coding the edge can produce itself (RFC 9110 §8.4.1). Node 20's zlib has no zstd. */
export type ContentCoding = 'gzip' | 'br';

/**
 * Compresses a body. The binary runs zlib on libuv's threadpool (common/adapters/
 * zlib-compressor.ts); the simulator and tests use the synchronous, deterministic one
 * (common/sync-compressor.ts), so a run's order of events does not depend on thread timing.
 */
export interface Compressor {
  compress(coding: ContentCoding, body: Buffer, brotliQuality: number): Promise<Buffer>;
}
