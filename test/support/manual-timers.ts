/** Timers that fire only when a test says so: `runDue()` runs what is due on the given FakeClock-style time. */
import type { TimerHandle, Timers } from '../../common/ports.js';

export class ManualTimers implements Timers {
  private nowMs = 0;
  private pending: Array<{ atMs: number; callback: () => void; cancelled: boolean }> = [];

  after(delayMs: number, callback: () => void): TimerHandle {
    const entry = { atMs: this.nowMs + delayMs, callback, cancelled: false };
    this.pending.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get scheduled(): number {
    return this.pending.filter((e) => !e.cancelled).length;
  }

  /** Moves time on and runs every timer due by then, in order, including ones they schedule. */
  advance(ms: number): void {
    this.nowMs += ms;
    for (;;) {
      const due = this.pending.filter((e) => !e.cancelled && e.atMs <= this.nowMs).sort((a, b) => a.atMs - b.atMs)[0];
      if (due === undefined) return;
      due.cancelled = true;
      this.pending = this.pending.filter((e) => e !== due);
      due.callback();
    }
  }
}
