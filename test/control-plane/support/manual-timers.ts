/** Timers that fire only when a test moves the shared FakeClock through them, in due order. */
import type { TimerHandle, Timers } from '../../../common/ports.js';
import { FakeClock } from '../../support/fake-clock.js';

interface Entry {
  dueMs: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

export class ManualTimers implements Timers {
  private entries: Entry[] = [];
  private order = 0;

  constructor(readonly clock: FakeClock) {}

  after(delayMs: number, callback: () => void): TimerHandle {
    const entry: Entry = { dueMs: this.clock.monoMs() + delayMs, order: this.order++, callback, cancelled: false };
    this.entries.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Moves the clock forward, running every timer that falls due on the way at its due time. */
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

  /** Due times of the timers not yet run or cancelled, on the monotonic clock. */
  dueTimes(): number[] {
    return this.entries.filter((e) => !e.cancelled).map((e) => e.dueMs);
  }

  pending(): number {
    return this.entries.filter((e) => !e.cancelled).length;
  }
}
