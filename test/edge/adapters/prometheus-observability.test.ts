/**
 * The dashboard metrics as Prometheus text: histograms with cumulative buckets in base units,
 * fed by the pipeline (origin fetch time on the edge's own clock) and by completed-request
 * records; edgeworks_build_info. Time moves only when the test's transport moves it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutboundRequest, OutboundResponse, Transport } from '../../../common/ports.js';
import { createEdgeRegistry } from '../../../edge/adapters/prometheus.js';
import { Edge } from '../../../edge/pipeline/edge.js';
import { Histogram } from '../../../edge/pipeline/histogram.js';
import type { CompletedRequest } from '../../../edge/pipeline/request-events.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testEdgeOptions } from '../../support/test-edge-options.js';

/** An origin that takes exactly `latencyMs` of the fake clock to answer. */
function slowOrigin(clock: FakeClock, latencyMs: number): Transport {
  return {
    async request(_req: OutboundRequest): Promise<OutboundResponse> {
      clock.advance(latencyMs);
      const body = Buffer.from('ok');
      return {
        status: 200,
        headers: [['cache-control', 'max-age=60'], ['content-length', '2'], ['date', new Date(clock.wallMs()).toUTCString()]],
        body: (async function* () {
          yield body;
        })(),
        discard: () => undefined,
      };
    },
    close: async () => undefined,
  };
}

function completed(kind: 'hit' | 'miss', durationMs: number, bytes: number): CompletedRequest {
  return {
    startWallMs: 0,
    durationMs,
    clientAddress: '127.0.0.1',
    method: 'GET',
    target: '/',
    protocol: 'HTTP/1.1',
    status: 200,
    outcome: { kind, hit: kind === 'hit', bytes },
    requestId: 'r',
    completed: true,
    referer: undefined,
    userAgent: undefined,
  };
}

function line(text: string, prefix: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(prefix));
}

test('Histogram: per-bucket counts become cumulative le buckets ending in +Inf', () => {
  const h = new Histogram([1, 5]);
  for (const v of [0.5, 1, 3, 9]) h.observe(v);
  assert.equal(h.cumulative(), [['1', 2], ['5', 3], ['+Inf', 4]]);
  assert.is(h.sum, 13.5);
  assert.is(h.count, 4);
});

test('origin fetch duration, request duration by outcome and protocol, body sizes, build info', async () => {
  const clock = new FakeClock();
  const edge = new Edge(testEdgeOptions({ cacheName: 'e', originUrl: 'http://127.0.0.1:9', clock, transport: slowOrigin(clock, 30) }));
  const res = await edge.handle({ method: 'GET', target: '/a', headers: { host: 'x' } });
  assert.is(res.outcome.kind, 'miss');
  edge.metrics.requestDurations.completed(completed('miss', 31, 2));
  edge.metrics.requestDurations.completed(completed('hit', 0.2, 2000));
  const text = await createEdgeRegistry(edge).metrics();

  assert.match(text, /# TYPE edge_origin_fetch_duration_seconds histogram/);
  assert.is(line(text, 'edge_origin_fetch_duration_seconds_bucket{le="0.025"}'), 'edge_origin_fetch_duration_seconds_bucket{le="0.025"} 0');
  assert.is(line(text, 'edge_origin_fetch_duration_seconds_bucket{le="0.05"}'), 'edge_origin_fetch_duration_seconds_bucket{le="0.05"} 1');
  assert.is(line(text, 'edge_origin_fetch_duration_seconds_sum'), 'edge_origin_fetch_duration_seconds_sum 0.03');
  assert.is(line(text, 'edge_origin_fetch_duration_seconds_count'), 'edge_origin_fetch_duration_seconds_count 1');

  assert.match(text, /# TYPE edge_request_duration_seconds histogram/);
  assert.is(line(text, 'edge_request_duration_seconds_bucket{outcome="miss",protocol="HTTP/1.1",le="0.025"}'), 'edge_request_duration_seconds_bucket{outcome="miss",protocol="HTTP/1.1",le="0.025"} 0');
  assert.is(line(text, 'edge_request_duration_seconds_bucket{outcome="miss",protocol="HTTP/1.1",le="0.05"}'), 'edge_request_duration_seconds_bucket{outcome="miss",protocol="HTTP/1.1",le="0.05"} 1');
  assert.is(line(text, 'edge_request_duration_seconds_bucket{outcome="hit",protocol="HTTP/1.1",le="0.0005"}'), 'edge_request_duration_seconds_bucket{outcome="hit",protocol="HTTP/1.1",le="0.0005"} 1');
  assert.is(line(text, 'edge_request_duration_seconds_count{outcome="hit",protocol="HTTP/1.1"}'), 'edge_request_duration_seconds_count{outcome="hit",protocol="HTTP/1.1"} 1');

  assert.is(line(text, 'edge_response_body_size_bytes_bucket{outcome="hit",le="1024"}'), 'edge_response_body_size_bytes_bucket{outcome="hit",le="1024"} 0');
  assert.is(line(text, 'edge_response_body_size_bytes_bucket{outcome="hit",le="4096"}'), 'edge_response_body_size_bytes_bucket{outcome="hit",le="4096"} 1');

  assert.match(text, new RegExp(`edgeworks_build_info\\{component="edge",version="\\d+\\.\\d+\\.\\d+",node_version="${process.versions.node.replaceAll('.', '\\.')}"\\} 1`));
  assert.match(text, /# TYPE edge_peer_fetch_duration_seconds histogram/);
  assert.match(text, /edge_access_log_dropped_total 0/);
});

test.run();
