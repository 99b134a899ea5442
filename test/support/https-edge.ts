/**
 * An edge behind the HTTPS listener (HTTP/2 and HTTP/1.1 by ALPN) in front of a recording origin,
 * on 127.0.0.1 port 0, with certificates from a test PKI and a hand-moved clock.
 */
import type { AddressInfo } from 'node:net';
import { createUndiciTransport } from '../../common/adapters/undici-transport.js';
import { createHttpsEdgeServer, type HttpsEdgeServer } from '../../edge/adapters/https-server.js';
import { loadCertificateSet, type CertificateSources } from '../../edge/adapters/tls/certificate-set.js';
import type { Http2Limits } from '../../edge/adapters/tls/config.js';
import { Http2LimitsSchema } from '../../edge/adapters/tls/config.js';
import { Edge, type EdgeOptions } from '../../edge/pipeline/edge.js';
import { Value } from '@sinclair/typebox/value';
import { startRecordingOrigin, type RecordingOrigin } from '../edge/hostile/support/recording-origin.js';
import { FakeClock } from './fake-clock.js';
import { ManualTimers } from './manual-timers.js';
import { silent, testEdgeOptions } from './test-edge-options.js';
import type { Logger } from '../../common/ports.js';
import type { WatchOptions } from '../../edge/adapters/watch-request.js';

export interface HttpsEdge {
  clock: FakeClock;
  /** The HTTPS/1.1 connections' timers (keep-alive, head deadlines): they fire when the test advances them. */
  timers: ManualTimers;
  edge: Edge;
  origin: RecordingOrigin;
  server: HttpsEdgeServer;
  port: number;
  /** `https://127.0.0.1:PORT` */
  url: string;
  close(): Promise<void>;
}

/** The documented HTTP/2 limits (schema defaults), with a test's changes. */
export function http2Limits(overrides: Partial<Http2Limits> = {}): Http2Limits {
  return { ...(Value.Default(Http2LimitsSchema, {}) as Http2Limits), ...overrides };
}

export async function startHttpsEdge(
  certificates: CertificateSources,
  options: { http2?: Partial<Http2Limits>; edge?: Partial<EdgeOptions>; logger?: Logger; keepAliveTimeoutMs?: number; watch?: WatchOptions } = {},
): Promise<HttpsEdge> {
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  const origin = await startRecordingOrigin();
  const transport = createUndiciTransport();
  const edge = new Edge({ ...testEdgeOptions({ cacheName: 'edge', originUrl: origin.url, clock, transport }), ...options.edge });
  const server = createHttpsEdgeServer(edge, { logger: options.logger ?? silent, clock, timers }, {
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 60_000,
    headersTimeoutMs: 60_000,
    certificates: loadCertificateSet(certificates),
    http2: http2Limits(options.http2),
    ...(options.watch === undefined ? {} : { watch: options.watch }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    clock,
    timers,
    edge,
    origin,
    server,
    port,
    url: `https://127.0.0.1:${port}`,
    async close() {
      await edge.settled();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await origin.close();
      await transport.close();
    },
  };
}
