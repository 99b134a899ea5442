/**
 * Counters the edge keeps as plain numbers: incrementing one costs nothing on the hit path,
 * and the admin adapter turns them into Prometheus text when scraped.
 */
import type { TransportErrorCode } from '../../common/ports.js';
import type { PeerAuthFailure } from '../routing/peer-auth.js';
import { DURATION_BOUNDS_SECONDS, Histogram, HistogramFamily } from './histogram.js';
import { RequestDurations } from './request-durations.js';
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
  /** Fills and handoff asks a peer answered with content (status < 400) as it answers clients: it did not accept our peer-auth signature. */
  peerAnswersAsClient = 0;
  /** Requests from peers that this edge, as owner, answered from its cache. */
  ownerHits = 0;
  /** Hits on this edge's hot cache of keys it does not own. */
  hotHits = 0;
  /** Stored keys whose owner moved to another edge at membership changes. */
  keysMoved = 0;
  /** Purges applied, by kind. */
  readonly purgesApplied: Record<'url' | 'key' | 'prefix' | 'all', number> = { url: 0, key: 0, prefix: 0, all: 0 };
  /** Flushes ordered by the control plane (this edge was behind its retained log). */
  flushes = 0;
  /** Fills not stored because a matching purge landed while they were in flight. */
  fillsDroppedByPurge = 0;
  /** Peer answers refused because the peer had applied fewer purges than this edge. */
  peerFillsRefused = 0;
  /** Origin GETs retried against the alternate origin. */
  originFailovers = 0;
  /** Objects this edge pushed to their new owners when it left (graceful leave). */
  pushesSent = 0;
  /** Objects a leaving peer pushed here and this edge stored. */
  pushesAccepted = 0;
  /** Pushes this edge refused (not owner, already stored, purge lag, not storable). */
  pushesRefused = 0;
  /** Reuses turned into revalidations because the control-plane lease had expired. */
  leaseRevalidations = 0;
  /** Request durations and body sizes, fed by the server adapter's completed-request records. */
  readonly requestDurations = new RequestDurations();
  /** Origin GETs: request sent to response headers, for answers that arrived. */
  readonly originFetchSeconds = new Histogram(DURATION_BOUNDS_SECONDS);
  /** Peer requests by peer id: request sent to response headers, for answers that arrived. */
  readonly peerFetchSeconds = new HistogramFamily(DURATION_BOUNDS_SECONDS);

  /** Requests carrying internal fields that were not honoured, by why (their fields were removed). */
  readonly peerAuthFailures: Record<PeerAuthFailure, number> = { missing: 0, malformed: 0, expired: 0, 'bad-signature': 0, 'body-digest': 0 };
  /** Client requests refused (429) because their address had spent its origin-bound miss budget. */
  clientBudgetExceeded = 0;
  /** Unsigned peer requests honoured under --peer-auth accept. */
  peerAuthUnsigned = 0;

  record(outcome: Outcome): void {
    this.requests[outcome.kind]++;
    this.bytesServed += outcome.bytes;
  }

  originError(code: TransportErrorCode | 'status-5xx'): void {
    this.originErrors[code] = (this.originErrors[code] ?? 0) + 1;
  }
}
