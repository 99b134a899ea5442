/**
 * The metrics dashboards are built on, beside the counters in prometheus.ts: the access log's
 * own counters (so dropped lines are visible), and later duration and size histograms.
 */
import { Counter, type Registry } from 'prom-client';
import type { AccessLog } from '../access-log/access-log.js';
import type { Edge } from '../pipeline/edge.js';

export interface ObservabilitySources {
  accessLog?: AccessLog | undefined;
}

export function registerObservabilityMetrics(registry: Registry, _edge: Edge, sources: ObservabilitySources): void {
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
