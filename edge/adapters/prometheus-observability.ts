/**
 * The metrics dashboards are built on, beside the counters in prometheus.ts: duration and size
 * histograms (kept by the pipeline as plain numbers, rendered here), `edgeworks_build_info`, and
 * the access log's own counters so dropped lines are visible. Names follow Prometheus practice:
 * base units (seconds, bytes) in the name, `_total` on counters, `_info` gauges of value 1.
 */
import { readFileSync } from 'node:fs';
import { Counter, Gauge, type Metric, type Registry } from 'prom-client';
import type { AccessLog } from '../access-log/access-log.js';
import type { Edge } from '../pipeline/edge.js';
import type { Histogram } from '../pipeline/histogram.js';

export interface ObservabilitySources {
  accessLog?: AccessLog | undefined;
}

type Labels = Record<string, string>;

export function registerObservabilityMetrics(registry: Registry, edge: Edge, sources: ObservabilitySources): void {
  const m = edge.metrics;
  registerHistogram(registry, 'edge_request_duration_seconds', 'Client requests from arrival to the last body byte handed to the socket, by outcome and protocol.', () =>
    [...m.requestDurations.durationSeconds.byLabel].map(([key, h]) => {
      const [outcome = '', protocol = ''] = key.split(' ');
      return [{ outcome, protocol }, h];
    }),
  );
  registerHistogram(registry, 'edge_response_body_size_bytes', 'Body bytes of each client response, by outcome.', () =>
    [...m.requestDurations.bodySizeBytes.byLabel].map(([outcome, h]) => [{ outcome }, h]),
  );
  registerHistogram(registry, 'edge_origin_fetch_duration_seconds', 'Origin GETs (fills, revalidations): request sent to response headers.', () => [[{}, m.originFetchSeconds]]);
  registerHistogram(registry, 'edge_peer_fetch_duration_seconds', 'Requests to peer edges: request sent to response headers, by peer.', () =>
    [...m.peerFetchSeconds.byLabel].map(([peer, h]) => [{ peer }, h]),
  );

  new Gauge({
    name: 'edgeworks_build_info',
    help: 'Always 1; the labels say which build and Node.js runtime this process runs.',
    labelNames: ['component', 'version', 'node_version'],
    registers: [registry],
  }).set({ component: 'edge', version: packageVersion(), node_version: process.versions.node }, 1);

  const log = sources.accessLog;
  new Counter({
    name: 'edge_access_log_lines_total',
    help: 'Access-log lines written (handed to the file or stderr).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(log?.written ?? 0);
    },
  });
  new Counter({
    name: 'edge_access_log_dropped_total',
    help: 'Access-log lines dropped because the bounded queue was full (the sink was slower than the traffic).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(log?.dropped ?? 0);
    },
  });
}

/**
 * Registers a histogram whose counts live elsewhere. prom-client's own Histogram can only be
 * fed observation by observation, so this is a custom metric object of the shape its Registry
 * renders (the same shape its Histogram.get() returns).
 */
function registerHistogram(registry: Registry, name: string, help: string, read: () => Array<[Labels, Histogram]>): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      values: read().flatMap(([labels, h]) => [
        ...h.cumulative().map(([le, value]) => ({ metricName: `${name}_bucket`, labels: { ...labels, le }, value })),
        { metricName: `${name}_sum`, labels, value: h.sum },
        { metricName: `${name}_count`, labels, value: h.count },
      ]),
    }),
  };
  registry.registerMetric(metric as unknown as Metric);
}

let version: string | undefined;
/** package.json's version, read once (dist/edge/adapters → the package root). */
function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
