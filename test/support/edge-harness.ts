/**
 * A real origin and a real edge on loopback (port 0) sharing one hand-moved wall clock, so
 * tests exercise sockets, undici and node:http while time moves only when a test says so.
 */
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createUndiciTransport } from '../../common/adapters/undici-transport.js';
import { Edge, type EdgeOptions } from '../../edge/pipeline/edge.js';
import { startOriginServer, type OriginServer } from '../../origin/adapters/node-server.js';
import { createOrigin } from '../../origin/handler.js';
import { resolveOriginConfig } from '../../origin/schema.js';
import { createTestEdgeServer } from './edge-server-choice.js';
import { FakeClock } from './fake-clock.js';
import { silent, testEdgeOptions } from './test-edge-options.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface Harness {
  clock: FakeClock;
  edge: Edge;
  edgeUrl: string;
  originUrl: string;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  send(method: string, path: string, headers?: Record<string, string>, body?: string): Promise<Reply>;
  originCount(path: string): Promise<number>;
  originAdmin(path: string, body: unknown): Promise<void>;
  stopOrigin(): Promise<void>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export async function startHarness(overrides: Partial<EdgeOptions> = {}): Promise<Harness> {
  const clock = new FakeClock();
  const origin = createOrigin({ clock, random: { next: () => 0.5 }, config: resolveOriginConfig({ adminToken: ADMIN_TOKEN }) });
  let originServer: OriginServer | undefined = await startOriginServer(origin, { host: '127.0.0.1', port: 0 });
  const originUrl = originServer.url;
  const transport = createUndiciTransport();
  const edge = new Edge({ ...testEdgeOptions({ cacheName: 'test-edge', originUrl, clock, transport }), ...overrides });
  const server = createTestEdgeServer(edge, silent, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const edgeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const send = async (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> => {
    const res = await request(`${edgeUrl}${path}`, { method: method as 'GET', headers, ...(body === undefined ? {} : { body }) });
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : String(v);
    return { status: res.statusCode, headers: flat, body: Buffer.from(await res.body.arrayBuffer()) };
  };

  return {
    clock,
    edge,
    edgeUrl,
    originUrl,
    get: (path, headers) => send('GET', path, headers),
    send,
    async originCount(path) {
      const res = await request(`${originUrl}/_stats`);
      const stats = (await res.body.json()) as { paths: Record<string, number> };
      return stats.paths[path] ?? 0;
    },
    async originAdmin(path, body) {
      const res = await request(`${originUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.body.dump();
      if (res.statusCode >= 300) throw new Error(`origin admin ${path} answered ${res.statusCode}`);
    },
    async stopOrigin() {
      await originServer?.close();
      originServer = undefined;
    },
    async close() {
      await edge.settled();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await originServer?.close();
      await transport.close();
    },
  };
}
