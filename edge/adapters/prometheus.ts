/** Exposes the edge's counters in Prometheus text format through prom-client. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { scrapedCounter } from '../../common/adapters/scraped-counter.js';
import type { ControlClient } from '../control/control-client.js';
import type { Edge } from '../pipeline/edge.js';
import { registerObservabilityMetrics, type ObservabilitySources } from './prometheus-observability.js';

export function createEdgeRegistry(edge: Edge, control?: ControlClient, sources: ObservabilitySources = {}): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = edge.metrics;
  registerObservabilityMetrics(registry, edge, sources);

  new Counter({
    name: 'edge_requests_total',
    help: 'Requests answered, by outcome (hit, miss, stale-*, revalidated, collapsed, pass, error).',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, n] of Object.entries(m.requests)) this.inc({ outcome }, n);
    },
  });
  const compression = edge.compression;
  if (compression !== undefined) {
    new Counter({
      name: 'edge_compression_variants_total',
      help: 'Compressed variants (--compress): made, skipped (queue full), not-smaller (dropped), failed.',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        this.reset();
        const c = compression.counts;
        this.inc({ result: 'made' }, c.compressed);
        this.inc({ result: 'skipped' }, c.skipped);
        this.inc({ result: 'not-smaller' }, c.notSmaller);
        this.inc({ result: 'failed' }, c.failed);
      },
    });
  }
  new Counter({
    name: 'edge_response_body_bytes_total',
    help: 'Body bytes sent to clients.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(m.bytesServed);
    },
  });
  new Counter({
    name: 'edge_origin_requests_total',
    help: 'Requests sent to the origin.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(m.originRequests);
    },
  });
  new Counter({
    name: 'edge_origin_errors_total',
    help: 'Origin failures by kind (connect-refused, headers-timeout, status-5xx, ...).',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(m.originErrors)) this.inc({ code }, n ?? 0);
    },
  });
  new Counter({
    name: 'edge_peer_auth_failures_total',
    help: 'Requests carrying internal x-edgeworks-* fields that were not honoured (fields removed), by reason (missing, malformed, expired, bad-signature).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(m.peerAuthFailures)) this.inc({ reason }, n);
    },
  });
  const simple: Array<[string, string, () => number]> = [
    ['edge_origin_queue_full_total', 'Requests answered 503 because every origin connection and wait-queue place was taken.', () => edge.originGate?.refused ?? 0],
    ['edge_client_budget_exceeded_total', 'Client requests answered 429: their address had spent its origin-bound miss budget.', () => m.clientBudgetExceeded],
    ['edge_peer_auth_unsigned_total', 'Unsigned peer requests honoured under --peer-auth accept.', () => m.peerAuthUnsigned],
    ['edge_background_refreshes_total', 'stale-while-revalidate refreshes started.', () => m.backgroundRefreshes],
    ['edge_collapse_waits_total', 'Requests that waited on another request for the same key.', () => m.collapseWaits],
    ['edge_collapse_timeouts_total', 'Collapse waits that hit the bound and fetched on their own.', () => m.collapseTimeouts],
    ['edge_invalidations_total', 'URLs invalidated by unsafe methods.', () => m.invalidations],
    ['edge_cache_evictions_total', 'Objects evicted at the byte bound.', () => edge.store.stats().evictions],
    ['edge_peer_requests_total', 'Requests sent to peer edges (fills, handoffs, invalidation notices).', () => m.peerRequests],
    ['edge_peer_errors_total', 'Peer requests that timed out or failed to connect.', () => m.peerErrors],
    ['edge_peer_answers_as_client_total', 'Fills and handoff asks a peer answered with content but as to a client: it refused this edge\'s peer-auth signature (check the secret and clocks).', () => m.peerAnswersAsClient],
    ['edge_owner_hits_total', 'Peer requests this edge answered from its cache as the key owner.', () => m.ownerHits],
    ['edge_hot_cache_hits_total', 'Hits on copies of hot keys owned by other edges.', () => m.hotHits],
    ['edge_keys_moved_total', 'Stored keys whose owner became another edge at membership changes.', () => m.keysMoved],
    ['edge_origin_failovers_total', 'Origin GETs retried against the alternate origin.', () => m.originFailovers],
    ['edge_flushes_total', 'Whole-cache flushes ordered by the control plane.', () => m.flushes],
    ['edge_fills_dropped_by_purge_total', 'Fills not stored because a matching purge landed during them.', () => m.fillsDroppedByPurge],
    ['edge_peer_fills_refused_total', 'Peer answers refused because the peer lagged in purges.', () => m.peerFillsRefused],
    ['edge_lease_revalidations_total', 'Reuses turned into revalidations by an expired lease.', () => m.leaseRevalidations],
    ['edge_handover_pushes_sent_total', 'Objects pushed to their new owners while leaving gracefully.', () => m.pushesSent],
    ['edge_handover_pushes_accepted_total', 'Objects a leaving peer pushed here that were stored.', () => m.pushesAccepted],
    ['edge_handover_pushes_refused_total', 'Pushes from leaving peers refused (not owner, stored already, purge lag).', () => m.pushesRefused],
  ];
  for (const [name, help, read] of simple) scrapedCounter(registry, name, help, read);
  new Counter({
    name: 'edge_purges_applied_total',
    help: 'Purges applied from the control plane, by kind.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(m.purgesApplied)) this.inc({ kind }, n);
    },
  });
  const gauges: Array<[string, string, () => number]> = [
    ['edge_purge_applied_seq', 'Highest purge sequence applied.', () => edge.control.purges.appliedSeq],
    ['edge_purge_lag', 'Purges the control plane announced that this edge has not applied.', () => control?.lag() ?? 0],
    ['edge_lease_valid', '1 while the control-plane lease allows reuse without revalidation (always 1 without a control plane).', () => (edge.control.leaseValid() ? 1 : 0)],
    ['edge_origin_in_flight', 'Origin requests holding a connection now.', () => edge.originGate?.stats().inFlight ?? 0],
    ['edge_origin_queued', 'Origin requests waiting for a connection now.', () => edge.originGate?.stats().queued ?? 0],
    ['edge_client_budget_clients', 'Client addresses whose miss budget is tracked.', () => edge.clientBudget?.trackedClients() ?? 0],
    ['edge_control_stream_up', '1 while the control-plane stream is open.', () => (control?.state === 'streaming' ? 1 : 0)],
  ];
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }
  new Gauge({
    name: 'edge_cache_bytes',
    help: 'Bytes charged to the cache (bodies, headers and per-object overhead).',
    registers: [registry],
    collect() {
      this.set(edge.store.stats().bytes);
    },
  });
  new Gauge({
    name: 'edge_cache_objects',
    help: 'URLs held in the cache.',
    registers: [registry],
    collect() {
      this.set(edge.store.stats().entries);
    },
  });
  return registry;
}
