/**
 * Timers that fire only when a test moves time through them, in due order. They run on the
 * FakeClock they are given (shared with the code under test, so its clock and its timers agree),
 * or on a private one. The edge's only timers are collapse waits, so `pending()` also counts
 * requests waiting behind a writer, and `whenPending(n)` tells a test when n of them have
 * joined, without sleeping.
 */
import type { TimerHandle, Timers } from '../../common/ports.js';
import { FakeClock } from './fake-clock.js';

interface Entry {
  dueMs: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

interface PendingWatch {
  count: number;
  resolve: () => void;
}

export class ManualTimers implements Timers {
  private entries: Entry[] = [];
  private order = 0;
  private watches: PendingWatch[] = [];

  constructor(readonly clock: FakeClock = new FakeClock()) {}

  after(delayMs: number, callback: () => void): TimerHandle {
    const entry: Entry = { dueMs: this.clock.monoMs() + delayMs, order: this.order++, callback, cancelled: false };
    this.entries.push(entry);
    this.checkWatches();
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Moves the clock forward, running every timer that falls due on the way (including ones they schedule) at its due time. */
  advance(ms: number): void {
    const endMs = this.clock.monoMs() + ms;
    for (;;) {
      const due = this.entries
        .filter((e) => !e.cancelled && e.dueMs <= endMs)
        .sort((a, b) => a.dueMs - b.dueMs || a.order - b.order)[0];
      if (due === undefined) break;
      this.entries = this.entries.filter((e) => e !== due);
      this.clock.advance(due.dueMs - this.clock.monoMs());
      due.callback();
    }
    this.clock.advance(endMs - this.clock.monoMs());
  }

  /** Timers scheduled and neither fired nor cancelled. */
  pending(): number {
    return this.entries.filter((e) => !e.cancelled).length;
  }

  /** The same count as `pending()`, under the name the access-log tests use. */
  get scheduled(): number {
    return this.pending();
  }

  /** Due times of the timers not yet run or cancelled, on the monotonic clock. */
  dueTimes(): number[] {
    return this.entries.filter((e) => !e.cancelled).map((e) => e.dueMs);
  }

  /** Resolves once at least `count` timers are pending at the same time (at once if they are now). */
  whenPending(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.watches.push({ count, resolve });
      this.checkWatches();
    });
  }

  private checkWatches(): void {
    if (this.watches.length === 0) return;
    const pending = this.pending();
    const met = this.watches.filter((w) => w.count <= pending);
    this.watches = this.watches.filter((w) => w.count > pending);
    for (const w of met) w.resolve();
  }
}
