/**
 * The control plane's Prometheus metrics through prom-client. Gauges and counts are read from
 * the ControlPlane, its log and its storage when scraped (no bookkeeping on the purge path);
 * fsync and request durations are observed as they happen by the adapters that see them.
 */
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { scrapedCounter } from '../../common/adapters/scraped-counter.js';
import type { ControlPlane } from '../control-plane.js';
import { EtcdPurgeLog } from '../etcd/etcd-purge-log.js';
import type { PurgeLog } from '../purge-log.js';

export interface ControlPlaneMetrics {
  registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  observeSync(kind: 'append' | 'high-water' | 'replace', seconds: number): void;
}

export function createControlPlaneMetrics(cp: ControlPlane, log: PurgeLog, storage: { sizeBytes(): number } | undefined): ControlPlaneMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const fromStats = (name: string, help: string, read: () => number) => scrapedCounter(registry, name, help, read);
  fromStats('control_plane_purges_accepted_total', 'Purges accepted (202, durable) by this process', () => cp.stats.purgesAccepted);
  fromStats('control_plane_purges_idempotent_replays_total', 'POST /purges retries answered from an earlier purge with the same Idempotency-Key', () => cp.stats.idempotentReplays);
  fromStats('control_plane_unauthorized_total', 'Requests refused for a missing or wrong token', () => cp.stats.unauthorized);
  fromStats('control_plane_unknown_edge_reports_total', 'Acks and heartbeats refused because the edge had not opened a stream', () => cp.stats.rejectedUnknownEdge);
  if (log instanceof EtcdPurgeLog) {
    // The etcd store's append transactions (etcd/append-pipeline.ts): do batches overlap, how big are they, what do re-sends cost.
    const counters = () => log.appendCounters();
    fromStats('control_plane_etcd_append_batches_total', 'Append transactions launched by this replica (re-sends not counted)', () => counters().batches);
    fromStats('control_plane_etcd_append_purges_total', 'Purges in those transactions', () => counters().purges);
    fromStats('control_plane_etcd_append_overlapped_total', 'Append transactions launched while another was in flight', () => counters().launchedBesideAnother);
    fromStats('control_plane_etcd_append_compare_failures_total', 'Append answers whose compare on last-seq failed (arrived before their predecessor, or another writer); each costs a re-send', () => counters().compareFailures);
    fromStats('control_plane_etcd_append_unknown_total', 'Append attempts whose outcome was unknown (re-sent with the same numbering)', () => counters().unknownOutcomes);
  }
  new Gauge({
    name: 'control_plane_log_last_seq',
    help: 'Highest durable purge seq',
    registers: [registry],
    collect() {
      this.set(log.lastSeq());
    },
  });
  new Gauge({
    name: 'control_plane_log_bytes',
    help: 'Size of the purge log file',
    registers: [registry],
    collect() {
      this.set(storage?.sizeBytes() ?? 0);
    },
  });
  new Gauge({
    name: 'control_plane_log_healthy',
    help: '1 while the purge log accepts appends, 0 after a storage failure',
    registers: [registry],
    collect() {
      this.set(log.healthy() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'control_plane_streams',
    help: 'Open edge streams',
    registers: [registry],
    collect() {
      this.set(cp.hub.size);
    },
  });
  const lag = new Gauge({ name: 'control_plane_edge_applied_lag', help: 'Purges the edge has not acknowledged yet (lastSeq - appliedSeq)', labelNames: ['edge'], registers: [registry] });
  const lease = new Gauge({ name: 'control_plane_edge_lease_valid', help: '1 while the edge holds a lease this process granted', labelNames: ['edge'], registers: [registry] });
  new Gauge({
    name: 'control_plane_edges',
    help: 'Edges known (bounded by limits.maxEdges)',
    registers: [registry],
    collect() {
      // Per-edge series are rebuilt from the registry on every scrape, so forgotten edges vanish.
      lag.reset();
      lease.reset();
      const views = cp.registry.views(log.lastSeq(), Date.now());
      for (const view of views) {
        lag.set({ edge: view.id }, view.lagSeqs);
        lease.set({ edge: view.id }, view.leaseValid ? 1 : 0);
      }
      this.set(views.length);
    },
  });
  const fsync = new Histogram({
    name: 'control_plane_log_fsync_seconds',
    help: 'fsync latency of the purge log (append: records, high-water: the seq mark, replace: compaction)',
    labelNames: ['kind'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const requests = new Histogram({
    name: 'control_plane_request_duration_seconds',
    help: 'Time from request to answer (streams: to the first byte)',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  // One child per label set, found by a plain string key: prom-client's observe(labels) sorts and
  // hashes the label object on every call, which showed on the purge path. The sets are bounded
  // (routeLabel's routes, node:http's methods, HTTP statuses).
  const requestSeries = new Map<string, { observe(seconds: number): void }>();
  const observeRequest = (route: string, method: string, status: number, seconds: number): void => {
    const key = `${route} ${method} ${status}`;
    let series = requestSeries.get(key);
    if (series === undefined) requestSeries.set(key, (series = requests.labels(route, method, String(status))));
    series.observe(seconds);
  };
  return {
    registry,
    observeRequest,
    observeSync: (kind, seconds) => fsync.observe({ kind }, seconds),
  };
}

/** A bounded label for a path: known routes, else `other` (clients choose paths; labels must not). */
export function routeLabel(path: string): string {
  if (path === '/purges/forwarded') return path;
  if (path.startsWith('/purges/')) return '/purges/:id';
  return ['/purges', '/stream', '/acks', '/heartbeats', '/edges', '/regions', '/metrics', '/livez', '/readyz'].includes(path) ? path : 'other';
}
