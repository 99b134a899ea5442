/**
 * The client-facing servers the hostile suite runs against. Each hostile test file runs once per
 * entry, so a new front end (an own HTTP/1.1 layer, TLS, HTTP/2) gets the whole suite by adding
 * one entry here: the edge's answers to hostile requests must not depend on which server parsed
 * them, since the checks live in the pipeline.
 */
import type { AddressInfo } from 'node:net';
import { createEdgeServer } from '../../../../edge/adapters/node-server.js';
import type { Edge } from '../../../../edge/pipeline/edge.js';
import { silent } from '../../../support/test-edge-options.js';

export interface RunningServer {
  /** `http://127.0.0.1:PORT`: where clients reach the edge. */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Starts a server in front of `edge` on 127.0.0.1, port 0. */
export interface ClientFacingServer {
  name: string;
  start(edge: Edge): Promise<RunningServer>;
}

export const nodeHttpServer: ClientFacingServer = {
  name: 'node:http',
  async start(edge) {
    const server = createEdgeServer(edge, silent, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://127.0.0.1:${port}`,
      host: '127.0.0.1',
      port,
      async close() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
};

/** Every client-facing server the edge has; the hostile suite runs against each. */
export const CLIENT_FACING_SERVERS: readonly ClientFacingServer[] = [nodeHttpServer];
