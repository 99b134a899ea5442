/**
 * The request-side histograms dashboards read: duration (arrival to last byte) by outcome and
 * protocol, and response body size by outcome. A `RequestObserver`, so it sees exactly the
 * records the access log sees. Label values are bounded: eight outcomes, and the protocols the
 * server layers report (HTTP/1.0 and HTTP/1.1 from the own parser; HTTP/2; node:http's
 * `HTTP/<version>`, which it gives for 0.9, 1.0, 1.1 and 2.0 only).
 */
import { DURATION_BOUNDS_SECONDS, HistogramFamily, SIZE_BOUNDS_BYTES } from './histogram.js';
import type { CompletedRequest, RequestObserver } from './request-events.js';

export class RequestDurations implements RequestObserver {
  /** Keyed `outcome protocol` (a space cannot occur in either). */
  readonly durationSeconds = new HistogramFamily(DURATION_BOUNDS_SECONDS);
  /** Keyed by outcome. */
  readonly bodySizeBytes = new HistogramFamily(SIZE_BOUNDS_BYTES);

  /**
   * The `outcome protocol` labels made so far, by outcome and protocol: a label made per request
   * is a new string, hashed and compared through a call into C++ at every lookup (~0.8% of a
   * hit's CPU, perf under wrk), where outcome and protocol are the same few constants each time.
   */
  private readonly labels = new Map<string, Map<string, string>>();

  completed(e: CompletedRequest): void {
    this.durationSeconds.observe(this.label(e.outcome.kind, e.protocol), e.durationMs / 1000);
    this.bodySizeBytes.observe(e.outcome.kind, e.outcome.bytes);
  }

  private label(outcome: string, protocol: string): string {
    let byProtocol = this.labels.get(outcome);
    if (byProtocol === undefined) this.labels.set(outcome, (byProtocol = new Map()));
    let label = byProtocol.get(protocol);
    if (label === undefined) byProtocol.set(protocol, (label = `${outcome} ${protocol}`));
    return label;
  }
}
