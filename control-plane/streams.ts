/**
 * Push streams to edges. Each stream is a cursor into the purge log: it pulls records after its
 * cursor and writes them until the transport says its buffer is full, then waits for `resume()`.
 * A slow edge therefore costs one bounded socket buffer, never a queue of events, and an edge that
 * falls behind the retained log while connected gets a `flush` exactly as on reconnect.
 *
 * Order on a stream: `hello`, then `flush` when the edge must start over, then `membership`, then
 * every retained purge after the cursor, then a `lease` once caught up; afterwards live purges,
 * a `lease` every leaseMs/3 (held back while purges are pending, so a lease always follows every
 * purge accepted before it) and `membership` when it changes.
 */
import type { Clock, Logger, TimerHandle, Timers } from '../common/ports.js';
import type { ControlEvent, FlushEvent, Member } from '../common/control-protocol.js';
import type { EdgeRegistry } from './edges.js';
import type { PurgeLog } from './purge-log.js';

/** The transport under one stream (an HTTP response in production, an array in tests). */
export interface StreamSink {
  /** Queues one event; false when the buffer is full and the hub should wait for resume(). */
  write(event: ControlEvent): boolean;
  /** Ends the stream from the server side. */
  end(): void;
}

export interface StreamHubSettings {
  leaseMs: number;
  heartbeatIntervalMs: number;
  maxStreams: number;
  /** Records read from the log per pull. */
  readBatch: number;
}

export interface OpenStreamParams {
  edge: string;
  /** Last seq the edge applied; undefined for an edge with an empty cache. */
  after: number | undefined;
  /** The logId the edge's `after` refers to, when it knows one. */
  logId: string | undefined;
}

export class StreamSession {
  private cursor: number;
  private paused = false;
  private closed = false;
  private leaseDue = true;
  /** A membership to write next; undefined when none is due (or none is known yet). */
  private membershipDue: Member[] | undefined;
  private pendingFlush: FlushEvent | undefined;
  private leaseTimer: TimerHandle | undefined;

  constructor(
    private readonly hub: StreamHub,
    readonly edge: string,
    start: { cursor: number; flush: FlushEvent | undefined },
    private readonly sink: StreamSink,
  ) {
    this.cursor = start.cursor;
    this.pendingFlush = start.flush;
  }

  /** Seq of the last purge (or flush) written to this stream. */
  get sentSeq(): number {
    return this.cursor;
  }

  /** The transport drained its buffer. */
  resume(): void {
    if (this.closed) return;
    this.paused = false;
    this.pump();
  }

  /** The transport closed (client went away). */
  closedByPeer(): void {
    this.shutdown(false);
  }

  /** @internal */
  begin(members: Member[] | undefined): void {
    const log = this.hub.log;
    this.write({ event: 'hello', data: { logId: log.logId(), lastSeq: log.lastSeq(), leaseMs: this.hub.settings.leaseMs, heartbeatIntervalMs: this.hub.settings.heartbeatIntervalMs } });
    this.membershipDue = members;
    this.pump();
    this.scheduleLease();
  }

  /** @internal */
  announce(members: Member[]): void {
    this.membershipDue = members;
    this.pump();
  }

  /** @internal Writes whatever is due, in protocol order, until the sink is full. */
  pump(): void {
    const log = this.hub.log;
    while (!this.paused && !this.closed) {
      if (this.pendingFlush !== undefined) {
        const flush = this.pendingFlush;
        this.pendingFlush = undefined;
        // Not counted as applied here: the edge acks upToSeq once its purge-all is done.
        this.cursor = flush.upToSeq;
        this.write({ event: 'flush', data: flush });
        continue;
      }
      if (this.membershipDue !== undefined) {
        const members = this.membershipDue;
        this.membershipDue = undefined;
        this.write({ event: 'membership', data: { members } });
        continue;
      }
      if (this.cursor < log.oldestRetainedSeq() - 1) {
        // Fell behind retention while connected (a very slow reader): same remedy as on connect.
        this.pendingFlush = { upToSeq: log.lastSeq(), reason: 'behind-retention' };
        continue;
      }
      const batch = log.readAfter(this.cursor, this.hub.settings.readBatch);
      if (batch.length > 0) {
        for (const record of batch) {
          this.cursor = record.seq;
          if (!this.write({ event: 'purge', data: record })) break;
        }
        continue;
      }
      // A replica behind the shared log must not vouch for an edge: wait for its watch (onDurable pumps).
      if (this.leaseDue && (log.leaseSafe?.(this.cursor) ?? true)) {
        this.leaseDue = false;
        this.write({ event: 'lease', data: this.hub.registry.grantLease(this.edge, this.cursor, this.hub.clock.wallMs()) });
        continue;
      }
      break;
    }
  }

  /** @internal */
  shutdown(endSink: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.leaseTimer?.cancel();
    this.hub.detach(this);
    if (endSink) this.sink.end();
  }

  private write(event: ControlEvent): boolean {
    const ok = this.sink.write(event);
    if (!ok) this.paused = true;
    return ok;
  }

  private scheduleLease(): void {
    this.leaseTimer = this.hub.timers.after(Math.max(1, Math.floor(this.hub.settings.leaseMs / 3)), () => {
      if (this.closed) return;
      this.leaseDue = true;
      this.pump();
      this.scheduleLease();
    });
  }
}

export type OpenResult = { ok: true; session: StreamSession } | { ok: false; status: 503; message: string };

export class StreamHub {
  private readonly sessions = new Set<StreamSession>();
  private readonly byEdge = new Map<string, StreamSession>();

  constructor(
    readonly log: PurgeLog,
    readonly registry: EdgeRegistry,
    readonly clock: Clock,
    readonly timers: Timers,
    readonly settings: StreamHubSettings,
    private readonly logger: Logger,
  ) {
    log.onDurable(() => {
      for (const session of this.sessions) session.pump();
    });
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Opens a stream. A second stream for the same edge replaces the first (the old one is ended),
   * so a reconnect after a half-open TCP connection is never refused.
   */
  open(params: OpenStreamParams, hints: { region?: string; url?: string }, sink: StreamSink, members: () => Member[] | undefined): OpenResult {
    const previous = this.byEdge.get(params.edge);
    if (previous === undefined && this.sessions.size >= this.settings.maxStreams) {
      return { ok: false, status: 503, message: `already serving ${this.settings.maxStreams} streams (limits.maxStreams)` };
    }
    const nowMs = this.clock.wallMs();
    if (!this.registry.streamOpened(params.edge, hints, nowMs)) {
      return { ok: false, status: 503, message: 'too many edges are known (limits.maxEdges)' };
    }
    previous?.shutdown(true);
    const start = startingPoint(this.log, params);
    if (params.after === undefined) this.registry.startFrom(params.edge, start.cursor, nowMs);
    const session = new StreamSession(this, params.edge, start, sink);
    this.sessions.add(session);
    this.byEdge.set(params.edge, session);
    this.logger.log('info', 'stream opened', { edge: params.edge, after: params.after ?? null, cursor: start.cursor, flush: start.flush?.reason ?? null });
    session.begin(members());
    return { ok: true, session };
  }

  announce(members: Member[]): void {
    for (const session of this.sessions) session.announce(members);
  }

  /** Ends every stream (shutdown); edges reconnect to the next process and resume. */
  closeAll(): void {
    for (const session of [...this.sessions]) session.shutdown(true);
  }

  /** @internal */
  detach(session: StreamSession): void {
    this.sessions.delete(session);
    if (this.byEdge.get(session.edge) === session) this.byEdge.delete(session.edge);
    this.registry.streamClosed(session.edge, this.clock.wallMs());
  }
}

/**
 * Where a new stream starts. No `after`: the edge's cache is empty, so it needs only what comes
 * next. `after` from another log, ahead of this log, or older than what is retained: flush.
 */
export function startingPoint(log: PurgeLog, params: OpenStreamParams): { cursor: number; flush: FlushEvent | undefined } {
  const lastSeq = log.lastSeq();
  if (params.after === undefined) return { cursor: lastSeq, flush: undefined };
  if (params.logId !== undefined && params.logId !== log.logId()) return { cursor: lastSeq, flush: { upToSeq: lastSeq, reason: 'log-changed' } };
  // A replica of a shared log may simply not have read that far yet: resume there, no flush.
  if (params.after > lastSeq && params.logId === log.logId() && log.mayLag?.() === true) return { cursor: params.after, flush: undefined };
  if (params.after > lastSeq) return { cursor: lastSeq, flush: { upToSeq: lastSeq, reason: 'ahead-of-log' } };
  if (params.after < log.oldestRetainedSeq() - 1) return { cursor: lastSeq, flush: { upToSeq: lastSeq, reason: 'behind-retention' } };
  return { cursor: params.after, flush: undefined };
}
