/**
 * A count of client actions per session in fixed windows on the monotonic clock; over the budget
 * the session is closed with GOAWAY ENHANCE_YOUR_CALM (RFC 9113 §5.4.1, §7). Two budgets use it:
 * - rapid reset (CVE-2023-44487): streams the client reset before their answer was complete,
 *   which cost the edge a request's work each time while never counting against
 *   SETTINGS_MAX_CONCURRENT_STREAMS;
 * - control-frame floods (CVE-2019-9512 PING, CVE-2019-9515 SETTINGS): each must be answered with
 *   an ACK; nghttp2 bounds only the ACKs queued unsent, so a client that reads its ACKs could
 *   otherwise send them at line rate forever.
 */
import type { Clock } from '../../../common/ports.js';

export class WindowBudget {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private spent = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxPerWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one action; false once this window holds more than the budget. */
  spend(): boolean {
    const now = this.clock.monoMs();
    if (now - this.windowStartMs >= this.windowMs) {
      this.windowStartMs = now;
      this.spent = 0;
    }
    this.spent++;
    return this.spent <= this.maxPerWindow;
  }
}
