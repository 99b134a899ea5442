/** A wall clock tests move by hand; the monotonic clock follows it. */
import type { Clock } from '../../common/ports.js';

export class FakeClock implements Clock {
  constructor(private nowMs = Date.UTC(2026, 10, 26, 12, 0, 0)) {}
  wallMs(): number {
    return this.nowMs;
  }
  monoMs(): number {
    return this.nowMs;
  }
  advance(ms: number): void {
    this.nowMs += ms;
  }
}
