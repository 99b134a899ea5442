/**
 * One edge behind a given client-facing server, in front of a recording origin, on loopback, with
 * a hand-moved clock: the fixture of the hostile suite. `raw` sends bytes exactly as an attacker
 * would (no client library tidies them); `get` is the ordinary second client that shows whether
 * anything another client sees has changed.
 */
import { connect } from 'node:net';
import { request } from 'undici';
import { createUndiciTransport } from '../../../../common/adapters/undici-transport.js';
import { Edge, type EdgeOptions } from '../../../../edge/pipeline/edge.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { testEdgeOptions } from '../../../support/test-edge-options.js';
import type { ClientFacingServer } from './client-facing-servers.js';
import { startRecordingOrigin, type RecordingOrigin } from './recording-origin.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HostileEdge {
  clock: FakeClock;
  edge: Edge;
  origin: RecordingOrigin;
  /** host:port of the edge, for Host fields. */
  authority: string;
  /** Sends one request as raw bytes (latin1) on a new connection and reads the answer to the end. */
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
    raw: (head) => rawRequest(running.host, running.port, head),
    async get(path, headers = {}) {
      const res = await request(`${running.url}${path}`, { headers });
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : String(v);
      return { status: res.statusCode, headers: flat, body: await res.body.text() };
    },
    async close() {
      await edge.settled();
      await running.close();
      await origin.close();
      await transport.close();
    },
  };
}

/** One request on its own connection, `Connection: close` added, answer parsed by hand. */
function rawRequest(host: string, port: number, head: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(Buffer.from(`${head}Connection: close\r\n\r\n`, 'latin1')));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, split === -1 ? text.length : split).split('\r\n');
      const status = Number(lines[0]?.split(' ')[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, body: split === -1 ? '' : text.slice(split + 4) });
    });
  });
}
