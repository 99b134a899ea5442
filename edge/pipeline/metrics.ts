/**
 * Counters the edge keeps as plain numbers: incrementing one costs nothing on the hit path,
 * and the admin adapter turns them into Prometheus text when scraped.
 */
import type { TransportErrorCode } from '../../common/ports.js';
import type { Outcome, OutcomeKind } from './types.js';

export class EdgeMetrics {
  readonly requests: Record<OutcomeKind, number> = {
    hit: 0,
    'stale-while-revalidate': 0,
    'stale-if-error': 0,
    revalidated: 0,
    miss: 0,
    collapsed: 0,
    pass: 0,
    error: 0,
  };
  bytesServed = 0;
  originRequests = 0;
  readonly originErrors: Partial<Record<TransportErrorCode | 'status-5xx', number>> = {};
  backgroundRefreshes = 0;
  collapseWaits = 0;
  collapseTimeouts = 0;
  invalidations = 0;
  /** Requests this edge sent to peer edges (fills, handoffs, invalidation notices). */
  peerRequests = 0;
  /** Peer requests that failed with a timeout or connection error. */
  peerErrors = 0;
  /** Requests from peers that this edge, as owner, answered from its cache. */
  ownerHits = 0;
  /** Hits on this edge's hot cache of keys it does not own. */
  hotHits = 0;
  /** Stored keys whose owner moved to another edge at membership changes. */
  keysMoved = 0;

  record(outcome: Outcome): void {
    this.requests[outcome.kind]++;
    this.bytesServed += outcome.bytes;
  }

  originError(code: TransportErrorCode | 'status-5xx'): void {
    this.originErrors[code] = (this.originErrors[code] ?? 0) + 1;
  }
}
