/**
 * One edge behind a given client-facing server, in front of a recording origin, on loopback, with
 * a hand-moved clock: the fixture of the hostile suite. `raw` sends bytes exactly as an attacker
 * would (no client library tidies them); `get` is the ordinary second client that shows whether
 * anything another client sees has changed.
 */
import { createUndiciTransport } from '../../../../common/adapters/undici-transport.js';
import { Edge, type EdgeOptions } from '../../../../edge/pipeline/edge.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { testEdgeOptions } from '../../../support/test-edge-options.js';
import type { ClientFacingServer } from './client-facing-servers.js';
import { startRecordingOrigin, type RecordingOrigin } from './recording-origin.js';

export type { Reply } from './hostile-clients.js';
import type { Reply } from './hostile-clients.js';

export interface HostileEdge {
  clock: FakeClock;
  edge: Edge;
  origin: RecordingOrigin;
  /** host:port of the edge, for Host fields. */
  authority: string;
  /** Sends one request as raw bytes (latin1) on a new connection (HTTP/2: as HEADERS) and reads the answer to the end. */
  raw(requestHead: string): Promise<Reply>;
  /** An ordinary client's GET. */
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export async function startHostileEdge(server: ClientFacingServer, overrides: Partial<EdgeOptions> = {}): Promise<HostileEdge> {
  const clock = new FakeClock();
  const origin = await startRecordingOrigin();
  const transport = createUndiciTransport();
  const edge = new Edge({ ...testEdgeOptions({ cacheName: 'edge', originUrl: origin.url, clock, transport }), ...overrides });
  const running = await server.start(edge);
  return {
    clock,
    edge,
    origin,
    authority: `${running.host}:${running.port}`,
    raw: (head) => running.client.raw(head),
    get: (path, headers) => running.client.get(path, headers),
    async close() {
      await edge.settled();
      await running.close();
      await origin.close();
      await transport.close();
    },
  };
}
