/**
 * The edge's side of the control plane: one Server-Sent Events stream it holds open (through
 * the Transport port, so the simulator runs it too), resuming after the last purge it applied;
 * cumulative acks after applying; heartbeats with load; lease renewals; ring membership for its
 * region. Reconnects with jittered exponential back-off on any failure.
 */
import { isBroken } from '../../common/break-switches.js';
import { ringBoundsProblem } from '../../common/ring-bounds.js';
import {
  decodeControlEvent,
  SseParser,
  type ControlEvent,
  type Heartbeat,
  type Member,
  type PurgeRecord,
} from '../../common/control-protocol.js';
import type { HeaderList } from '../../common/http.js';
import type { Clock, Logger, Random, TimerHandle, Timers, Transport } from '../../common/ports.js';
import { byId, type RingMember } from '../routing/ring.js';

/** What the client drives: the Edge implements it; tests can pass a recorder. */
export interface ControlTarget {
  applyPurge(record: PurgeRecord): void;
  flush(seq: number): void;
  renewLease(leaseMs: number): void;
  /** Absent when the edge runs without a ring. */
  setMembers?(members: RingMember[]): void;
  readonly appliedSeq: number;
  /** Requests answered and failed so far (cumulative), for heartbeat load figures. */
  load(): { requests: number; errors: number };
}

export interface ControlClientOptions {
  /** One control-plane base URL, or several replicas' comma-separated: the client moves on when one fails. */
  controlUrl: string;
  token: string;
  edgeId: string;
  region: string;
  /** The URL peers and the control plane reach this edge at. */
  edgeUrl: string;
  weight: number;
  target: ControlTarget;
  transport: Transport;
  timers: Timers;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** The stream fails if nothing (not even a lease renewal) arrives for this long. */
  streamIdleMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export type ControlState = 'connecting' | 'streaming' | 'backoff' | 'stopped';

/** Acks are coalesced: applying a burst of purges sends one ack after this delay. */
const ACK_DELAY_MS = 5;

export class ControlClient {
  state: ControlState = 'connecting';
  /** Identity of the purge log the applied sequence refers to. */
  logId: string | undefined;
  lastSeqSeen = 0;
  connects = 0;
  private heartbeatMs = 1000;
  private heartbeatTimer: TimerHandle | undefined;
  private ackTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private backoffMs: number;
  /** True until the first hello: a fresh process starts from "now" and drops anything cached before. */
  private fresh = true;
  private lastMembers = '';
  private lastLoad = { requests: 0, errors: 0, atMs: 0 };
  private stream: AsyncIterator<Uint8Array> | undefined;
  /** Reopens a stream that went silent; tighter than the transport's idle timeout once the lease is known. */
  private watchdog: TimerHandle | undefined;
  private silenceLimitMs: number;
  private readonly urls: string[];
  private urlIndex = 0;
  /** Failures since the last hello; the back-off grows only once every URL failed in a row. */
  private failuresInRow = 0;
  /** Set by leave(): heartbeats say the edge is draining, and the control plane drops it from the ring. */
  private leaving = false;
  private onLeft: Array<() => void> = [];
  /** Counts stop()s: a connect() from before the last one leaves everything alone. */
  private session = 0;

  constructor(private readonly o: ControlClientOptions) {
    this.backoffMs = o.reconnectMinMs;
    this.silenceLimitMs = o.streamIdleMs;
    this.urls = o.controlUrl.split(',');
  }

  /** The control plane this client talks to now. */
  get currentUrl(): string {
    return this.urls[this.urlIndex]!;
  }

  /** Connects, or reconnects after stop(), resuming after the last purge applied. */
  start(): void {
    this.state = 'connecting';
    void this.connect();
  }

  stop(): void {
    this.state = 'stopped';
    this.session++;
    this.heartbeatTimer?.cancel();
    this.ackTimer?.cancel();
    // Cleared, not only cancelled: scheduleAck waits for it to be undefined, and would never ack again after a start().
    this.ackTimer = undefined;
    this.retryTimer?.cancel();
    this.watchdog?.cancel();
    void this.stream?.return?.();
  }

  /**
   * Graceful leave: a heartbeat with `leaving: true` makes the control plane drop this edge from
   * the membership it pushes. Resolves once this edge's own stream carries a membership without
   * it: the control plane writes one membership to every stream at once, so by then the other
   * edges' rings are leaving it too. The stream stays open (purges and the lease still matter
   * while the edge drains); stop() ends it.
   */
  leave(): Promise<void> {
    this.leaving = true;
    const left = new Promise<void>((resolve) => this.onLeft.push(resolve));
    void this.post('/heartbeats', this.heartbeat());
    return left;
  }

  /** A method, not a field read, because stop() changes the state while connect() awaits. */
  private stopped(): boolean {
    return this.state === 'stopped';
  }

  /** Purges the control plane has that this edge has not applied yet (as far as it knows). */
  lag(): number {
    return Math.max(0, this.lastSeqSeen - this.o.target.appliedSeq);
  }

  private async connect(): Promise<void> {
    if (this.state === 'stopped') return;
    // stop() ends this session; a start() after it begins another, which this one must not disturb.
    const session = this.session;
    const over = (): boolean => this.stopped() || this.session !== session;
    this.state = 'connecting';
    this.connects++;
    const params = new URLSearchParams({ edge: this.o.edgeId });
    if (!this.fresh) {
      params.set('after', String(this.o.target.appliedSeq));
      if (this.logId !== undefined) params.set('log', this.logId);
    }
    try {
      const res = await this.o.transport.request({
        origin: this.currentUrl,
        method: 'GET',
        target: `/stream?${params.toString()}`,
        headers: [...this.auth(), ['accept', 'text/event-stream']],
        timeouts: { connectMs: 2000, headersMs: 5000, bodyIdleMs: this.o.streamIdleMs },
      });
      // stop() while the request was in flight: the stream it opened is not ours to read.
      if (over()) {
        res.discard();
        return;
      }
      if (res.status !== 200) {
        res.discard();
        throw new Error(`control plane answered ${res.status} to GET /stream`);
      }
      this.state = 'streaming';
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const stream = res.body[Symbol.asyncIterator]();
      this.stream = stream;
      this.armWatchdog(stream);
      for (;;) {
        const next = await stream.next();
        if (next.done === true) break;
        // A read that completed as stop() ran arms nothing: a watchdog left behind would reopen nothing but log that it did.
        if (over()) return;
        this.armWatchdog(stream);
        for (const frame of parser.feed(decoder.decode(next.value, { stream: true }))) {
          // After stop() nothing more is applied, even what was already in flight.
          if (over()) return;
          const event = decodeControlEvent(frame);
          if (event !== undefined) this.onEvent(event);
        }
        if (over()) return;
      }
      throw new Error('control-plane stream ended');
    } catch (err) {
      if (over()) return;
      // Another replica of the same log is as good as this one: try it next, without a longer wait
      // until every URL has failed in a row.
      const failedUrl = this.currentUrl;
      this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      this.failuresInRow++;
      const waitMs = this.failuresInRow % this.urls.length === 0 ? this.backoffMs : this.o.reconnectMinMs;
      this.o.logger.log('warn', 'control-plane stream lost; reconnecting', { error: String(err), url: failedUrl, next: this.currentUrl, inMs: waitMs });
      this.state = 'backoff';
      this.heartbeatTimer?.cancel();
      this.watchdog?.cancel();
      // Full jitter keeps a fleet of edges from reconnecting in lockstep after an outage.
      const delayMs = Math.floor(waitMs / 2 + this.o.random.next() * (waitMs / 2));
      if (waitMs === this.backoffMs) this.backoffMs = Math.min(this.backoffMs * 2, this.o.reconnectMaxMs);
      // --break convergence-no-reconnect (simulator only) never reopens the stream.
      if (!isBroken('convergence-no-reconnect')) this.retryTimer = this.o.timers.after(delayMs, () => void this.connect());
    }
  }

  /**
   * A partition can leave the stream open and silent. The control plane renews the lease every
   * leaseMs/3, so silence for half a lease means the stream is gone: reopen it before the lease
   * runs out rather than after the transport's longer idle timeout.
   */
  private armWatchdog(stream: AsyncIterator<Uint8Array>): void {
    this.watchdog?.cancel();
    this.watchdog = this.o.timers.after(this.silenceLimitMs, () => {
      this.o.logger.log('warn', 'control-plane stream silent; reopening', { silentMs: this.silenceLimitMs });
      void stream.return?.();
    });
  }

  private onEvent(event: ControlEvent): void {
    switch (event.event) {
      case 'hello':
        this.backoffMs = this.o.reconnectMinMs;
        this.failuresInRow = 0;
        this.heartbeatMs = event.data.heartbeatIntervalMs;
        this.silenceLimitMs = Math.min(this.o.streamIdleMs, Math.max(1, Math.floor(event.data.leaseMs / 2)));
        this.lastSeqSeen = Math.max(this.lastSeqSeen, event.data.lastSeq);
        if (this.fresh) {
          // Anything cached before the stream existed may predate a purge this edge never saw.
          this.o.target.flush(event.data.lastSeq);
          this.fresh = false;
        }
        this.logId = event.data.logId;
        this.scheduleHeartbeat(0);
        return;
      case 'purge':
        this.lastSeqSeen = Math.max(this.lastSeqSeen, event.data.seq);
        if (event.data.seq > this.o.target.appliedSeq) this.o.target.applyPurge(event.data);
        this.scheduleAck();
        return;
      case 'flush':
        this.lastSeqSeen = Math.max(this.lastSeqSeen, event.data.upToSeq);
        this.o.target.flush(event.data.upToSeq);
        this.scheduleAck();
        return;
      case 'lease':
        // Leases come after every purge up to throughSeq on this stream, so applying in order
        // means they are all applied now.
        if (this.o.target.appliedSeq >= event.data.throughSeq) this.o.target.renewLease(event.data.leaseMs);
        return;
      case 'membership':
        this.onMembership(event.data.members);
        return;
      default:
        throw new Error(`unhandled control event ${String((event satisfies never) as unknown)}`);
    }
  }

  private onMembership(members: Member[]): void {
    if (this.leaving && !members.some((m) => m.id === this.o.edgeId)) {
      for (const resolve of this.onLeft.splice(0)) resolve();
    }
    if (this.o.target.setMembers === undefined) return;
    const ring = members
      .filter((m) => m.region === this.o.region && m.health !== 'down')
      .map((m) => ({ id: m.id, url: m.url, weight: m.weight }))
      .sort(byId);
    // Never drop ourselves from our own ring, and only rebuild when something changed.
    if (!ring.some((m) => m.id === this.o.edgeId)) ring.push({ id: this.o.edgeId, url: this.o.edgeUrl, weight: this.o.weight });
    // Bounded before any work (a ring rebuild): a membership out of bounds is refused whole.
    const problem = ringBoundsProblem(ring);
    if (problem !== undefined) {
      this.o.logger.log('warn', 'membership refused', { problem });
      return;
    }
    const signature = JSON.stringify(ring);
    if (signature === this.lastMembers) return;
    this.lastMembers = signature;
    this.o.target.setMembers(ring);
  }

  private scheduleAck(): void {
    if (this.ackTimer !== undefined) return;
    this.ackTimer = this.o.timers.after(ACK_DELAY_MS, () => {
      this.ackTimer = undefined;
      void this.post('/acks', { edge: this.o.edgeId, appliedSeq: this.o.target.appliedSeq });
    });
  }

  private scheduleHeartbeat(delayMs: number): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = this.o.timers.after(delayMs, () => {
      if (this.state !== 'streaming') return;
      void this.post('/heartbeats', this.heartbeat());
      this.scheduleHeartbeat(this.heartbeatMs);
    });
  }

  private heartbeat(): Heartbeat {
    const nowMs = this.o.clock.monoMs();
    const load = this.o.target.load();
    const seconds = Math.max(0.001, (nowMs - this.lastLoad.atMs) / 1000);
    const requests = load.requests - this.lastLoad.requests;
    const errors = load.errors - this.lastLoad.errors;
    this.lastLoad = { ...load, atMs: nowMs };
    return {
      edge: this.o.edgeId,
      region: this.o.region,
      url: this.o.edgeUrl,
      appliedSeq: this.o.target.appliedSeq,
      weight: this.o.weight,
      ...(this.leaving ? { leaving: true } : {}),
      load: { requestsPerSec: requests / seconds, errorRate: requests === 0 ? 0 : Math.min(1, errors / requests) },
    };
  }

  private async post(path: string, body: unknown): Promise<void> {
    try {
      const res = await this.o.transport.request({
        origin: this.currentUrl,
        method: 'POST',
        target: path,
        headers: [...this.auth(), ['content-type', 'application/json']],
        body: Buffer.from(JSON.stringify(body)),
        timeouts: { connectMs: 2000, headersMs: 5000, bodyIdleMs: 5000 },
      });
      res.discard();
      if (res.status >= 300) this.o.logger.log('warn', `control plane answered ${res.status} to POST ${path}`);
    } catch (err) {
      // Acks and heartbeats are cumulative: the next one carries the same facts.
      this.o.logger.log('debug', `POST ${path} failed`, { error: String(err) });
    }
  }

  private auth(): HeaderList {
    return [['authorization', `Bearer ${this.o.token}`]];
  }
}
