/**
 * A simulated machine: an identity, a region, a skewed clock, timers on the scheduler, and an
 * incarnation. A crash ends the incarnation, so every timer and message addressed to it is
 * dropped and whatever memory the node's objects held is lost with them; a restart starts a new
 * incarnation that the world rebuilds from the node's durable state.
 */
import type { Clock, TimerHandle, Timers } from '../../common/ports.js';
import type { Owner, Scheduler } from './scheduler.js';

/** Unix time the simulation starts at (true time 0): 2026-01-01T00:00:00Z. */
export const EPOCH_MS = Date.UTC(2026, 0, 1);

export class Incarnation implements Owner {
  alive = true;
  constructor(readonly number: number) {}
}

/**
 * Wall = epoch + true time + offset + drift; offset moves by jumps (skew). Monotonic = time since
 * boot scaled by the same drift; it never jumps and never goes back, even across a restart.
 */
export class NodeClock implements Clock {
  private offsetMs = 0;
  private driftPpm = 0;
  /** True time and drifted elapsed time at the last drift change. */
  private anchorTrueMs = 0;
  private anchorElapsedMs = 0;

  constructor(private readonly scheduler: Scheduler) {}

  /** Drifted time elapsed since true time 0. */
  private elapsedMs(): number {
    return this.anchorElapsedMs + (this.scheduler.now() - this.anchorTrueMs) * (1 + this.driftPpm / 1e6);
  }

  wallMs(): number {
    return Math.floor(EPOCH_MS + this.elapsedMs() + this.offsetMs);
  }

  monoMs(): number {
    return this.elapsedMs();
  }

  /** Moves the wall clock by `deltaMs` (negative: back in time); the monotonic clock is unaffected. */
  jump(deltaMs: number): void {
    this.offsetMs += deltaMs;
  }

  setDriftPpm(ppm: number): void {
    this.anchorElapsedMs = this.elapsedMs();
    this.anchorTrueMs = this.scheduler.now();
    this.driftPpm = ppm;
  }

  /** How far wall time is from true time right now. */
  skewMs(): number {
    return this.elapsedMs() + this.offsetMs - this.scheduler.now();
  }

  /** True-time length of a monotonic delay on this clock. */
  trueDelayMs(monoDelayMs: number): number {
    return monoDelayMs / (1 + this.driftPpm / 1e6);
  }
}

export type NodeKind = 'edge' | 'origin' | 'control-plane' | 'purger';

export class SimNode {
  readonly clock: NodeClock;
  incarnation = new Incarnation(1);
  /** Timers on the monotonic clock of the current incarnation; a crash drops them. */
  readonly timers: Timers;

  constructor(
    readonly id: string,
    readonly kind: NodeKind,
    readonly region: string,
    /** Authority (host) the network routes to, e.g. `r1-e1.sim`. */
    readonly host: string,
    readonly scheduler: Scheduler,
  ) {
    this.clock = new NodeClock(scheduler);
    this.timers = {
      after: (delayMs: number, callback: () => void): TimerHandle =>
        scheduler.scheduleAfter(this.clock.trueDelayMs(Math.max(0, delayMs)), callback, this.incarnation, true),
    };
  }

  get up(): boolean {
    return this.incarnation.alive;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  crash(): void {
    this.incarnation.alive = false;
  }

  /** A new incarnation; the caller rebuilds the node's software on it. */
  restart(): void {
    this.incarnation.alive = false;
    this.incarnation = new Incarnation(this.incarnation.number + 1);
  }
}
