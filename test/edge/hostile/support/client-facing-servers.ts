/**
 * The client-facing servers the hostile suite runs against. Each hostile test file runs once per
 * entry, so a new front end (an own HTTP/1.1 layer, TLS, HTTP/2) gets the whole suite by adding
 * one entry here: the edge's answers to hostile requests must not depend on which server parsed
 * them, since the checks live in the pipeline.
 */
import type { AddressInfo } from 'node:net';
import { createHttpsEdgeServer } from '../../../../edge/adapters/https-server.js';
import { createEdgeServer } from '../../../../edge/adapters/node-server.js';
import { loadCertificateSet } from '../../../../edge/adapters/tls/certificate-set.js';
import type { Edge } from '../../../../edge/pipeline/edge.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { http2Limits } from '../../../support/https-edge.js';
import { ManualTimers } from '../../../support/manual-timers.js';
import { createTestPki, type TestPki } from '../../../support/test-certificates.js';
import { silent } from '../../../support/test-edge-options.js';
import { h2Client, plainClient, tlsClient, type HostileClient } from './hostile-clients.js';

export interface RunningServer {
  /** `http://127.0.0.1:PORT` or `https://...`: where clients reach the edge. */
  url: string;
  host: string;
  port: number;
  client: HostileClient;
  close(): Promise<void>;
}

/** Starts a server in front of `edge` on 127.0.0.1, port 0. */
export interface ClientFacingServer {
  name: string;
  /** What the client speaks: cases about HTTP/1.1 framing (Connection, request-target forms) run on 'http/1.1' only. */
  protocol: 'http/1.1' | 'h2';
  start(edge: Edge): Promise<RunningServer>;
}

export const nodeHttpServer: ClientFacingServer = {
  name: 'node:http',
  protocol: 'http/1.1',
  async start(edge) {
    const server = createEdgeServer(edge, silent, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://127.0.0.1:${port}`,
      host: '127.0.0.1',
      port,
      client: plainClient('127.0.0.1', port),
      async close() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
};

/** One test PKI per process, made on first use and removed at exit. */
let pki: TestPki | undefined;
function testPki(): TestPki {
  if (pki === undefined) {
    const made = (pki = createTestPki());
    made.issue('localhost');
    process.once('exit', () => made.remove());
  }
  return pki;
}

function httpsServer(name: string, protocol: 'http/1.1' | 'h2', h2Server: 'node' | 'own' = 'node'): ClientFacingServer {
  return {
    name,
    protocol,
    async start(edge) {
      const p = testPki();
      const clock = new FakeClock();
      const leaf = { cert: `${p.dir}/leaf-1.pem`, key: `${p.dir}/leaf-1.key` };
      const server = createHttpsEdgeServer(edge, { logger: silent, clock, timers: new ManualTimers(clock) }, {
        keepAliveTimeoutMs: 5000,
        headersTimeoutMs: 5000,
        certificates: loadCertificateSet({ default: leaf, bySni: [] }),
        http2: http2Limits({ server: h2Server }),
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      const client = protocol === 'h2' ? h2Client('127.0.0.1', port, p.ca) : tlsClient('127.0.0.1', port, p.ca);
      return {
        url: `https://127.0.0.1:${port}`,
        host: '127.0.0.1',
        port,
        client,
        async close() {
          await client.close();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  };
}

/** HTTPS/1.1 and HTTP/2 on the edge's TLS listener (https-server.ts). */
export const httpsHttp1Server = httpsServer('https/1.1', 'http/1.1');
export const httpsH2Server = httpsServer('h2', 'h2');
/** HTTP/2 on the own layer (`http2.server: own`, edge/adapters/h2/own/). */
export const httpsH2OwnServer = httpsServer('h2 (own layer)', 'h2', 'own');

/**
 * `s` for a case about HTTP/1.1 framing (a Connection field, which HTTP/2 forbids: RFC 9113
 * §8.2.2), `s.skip` on an HTTP/2 server, so the case shows as skipped there rather than vanishing.
 */
export function http1Only<T>(server: ClientFacingServer, s: T & { skip: T }): T {
  return server.protocol === 'http/1.1' ? s : s.skip;
}

/** Every client-facing server the edge has; the hostile suite runs against each. */
export const CLIENT_FACING_SERVERS: readonly ClientFacingServer[] = [nodeHttpServer, httpsHttp1Server, httpsH2Server, httpsH2OwnServer];
