/** A clock tests move by hand. Both clocks advance together; the wall clock can also jump alone. */
import type { Clock } from '../../common/ports.js';

export class FakeClock implements Clock {
  private monoNowMs = 0;
  private wallOffsetMs: number;

  constructor(startWallMs = Date.UTC(2026, 10, 26, 12, 0, 0)) {
    this.wallOffsetMs = startWallMs;
  }
  wallMs(): number {
    return this.monoNowMs + this.wallOffsetMs;
  }
  monoMs(): number {
    return this.monoNowMs;
  }
  advance(ms: number): void {
    this.monoNowMs += ms;
  }
  /** Steps the wall clock alone, as NTP or an operator might; monotonic time is unaffected. */
  jumpWall(ms: number): void {
    this.wallOffsetMs += ms;
  }
}
