/**
 * The rapid-reset guard (CVE-2023-44487): a client that opens streams and resets them at once
 * costs the edge a request's work each time while never counting against
 * SETTINGS_MAX_CONCURRENT_STREAMS. One budget per session counts the streams the client reset
 * before their answer was complete, in fixed windows on the monotonic clock; over the budget the
 * session is closed with GOAWAY ENHANCE_YOUR_CALM (RFC 9113 §5.4.1, §7).
 */
import type { Clock } from '../../../common/ports.js';

export class ResetBudget {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private resets = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxResetsPerWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one client reset; false once this window holds more than the budget. */
  spend(): boolean {
    const now = this.clock.monoMs();
    if (now - this.windowStartMs >= this.windowMs) {
      this.windowStartMs = now;
      this.resets = 0;
    }
    this.resets++;
    return this.resets <= this.maxResetsPerWindow;
  }
}
