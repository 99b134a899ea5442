/**
 * A real origin and a real edge on loopback (port 0) sharing one hand-moved wall clock, so
 * tests exercise sockets, undici and node:http while time moves only when a test says so.
 * The origin is a GatedOrigin: a test about ordering holds its answers (`h.origin.gate(path)`)
 * and, with `{ timers: 'virtual' }`, runs the edge's collapse waits and the origin's latency on
 * ManualTimers too, so no outcome depends on how fast the machine is.
 */
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createUndiciTransport } from '../../common/adapters/undici-transport.js';
import { Edge, type EdgeOptions } from '../../edge/pipeline/edge.js';
import { createTestEdgeServer } from './edge-server-choice.js';
import { FakeClock } from './fake-clock.js';
import { startGatedOrigin, type GatedOrigin } from './gated-origin.js';
import { ManualTimers } from './manual-timers.js';
import { HELD_ANSWER_TIMEOUTS, silent, testEdgeOptions } from './test-edge-options.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface Harness {
  clock: FakeClock;
  edge: Edge;
  edgeUrl: string;
  originUrl: string;
  /** The origin's gates: answers for a gated path wait until the test releases them. */
  origin: GatedOrigin;
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

export interface HarnessOptions {
  /**
   * 'system' (the default): the edge's collapse waits and the origin's `?latency=` use real timers.
   * 'virtual': both run on ManualTimers over the harness clock and fire only on `timers.advance`.
   */
  timers?: 'system' | 'virtual';
}

/** A harness whose timers are virtual: nothing times out unless the test advances `timers`. */
export interface VirtualHarness extends Harness {
  timers: ManualTimers;
}

export function startVirtualHarness(overrides: Partial<EdgeOptions> = {}): Promise<VirtualHarness> {
  return startHarness(overrides, { timers: 'virtual' }) as Promise<VirtualHarness>;
}

/**
 * Resolves once `count` requests wait behind a writer (one collapse-wait timer each), or as soon as
 * one request more than `expectedArrivals` for `path` reaches the origin (collapsing broken), so a
 * regression fails the test's assertions instead of hanging it.
 */
export function waitersOrStampede(h: VirtualHarness, path: string, count: number, expectedArrivals = 1): Promise<void> {
  return Promise.race([h.timers.whenPending(count), h.origin.arrived(path, expectedArrivals + 1)]);
}

export async function startHarness(overrides: Partial<EdgeOptions> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const clock = new FakeClock();
  const timers = options.timers === 'virtual' ? new ManualTimers(clock) : undefined;
  let origin: GatedOrigin | undefined = await startGatedOrigin({ clock, adminToken: ADMIN_TOKEN, ...(timers === undefined ? {} : { timers }) });
  const gates = origin;
  const originUrl = origin.url;
  const transport = createUndiciTransport();
  const edge = new Edge({
    ...testEdgeOptions({ cacheName: 'test-edge', originUrl, clock, transport }),
    ...(timers === undefined ? {} : { timers, originTimeouts: { ...HELD_ANSWER_TIMEOUTS } }),
    ...overrides,
  });
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
    ...(timers === undefined ? {} : { timers }),
    edge,
    edgeUrl,
    originUrl,
    origin: gates,
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
      await origin?.close();
      origin = undefined;
    },
    async close() {
      await edge.settled();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await origin?.close();
      await transport.close();
    },
  };
}
