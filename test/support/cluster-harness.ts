/**
 * A region on loopback: one origin and N real edges (node:http + undici, port 0) forming a ring,
 * sharing one hand-moved clock. Edges can be stopped (a crash as peers see it) and added. The
 * origin is a GatedOrigin (`c.origin.gate(path)` holds its answers); with `{ timers: 'virtual' }`
 * the edges' collapse waits run on ManualTimers (`c.timers`) and fire only when the test says so.
 */
import type { EdgeListener } from '../../edge/adapters/edge-listener.js';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createUndiciTransport } from '../../common/adapters/undici-transport.js';
import type { Transport } from '../../common/ports.js';
import { createTestEdgeServer } from './edge-server-choice.js';
import { Edge, type ClusterSettings, type EdgeOptions } from '../../edge/pipeline/edge.js';
import { DEFAULT_PEER_AUTH_WINDOW_MS, type PeerAuthSettings } from '../../edge/routing/peer-auth.js';
import type { RingMember } from '../../edge/routing/ring.js';
import { sequentialIds } from '../../edge/access-log/request-id.js';
import type { CompletedRequest } from '../../edge/pipeline/request-events.js';
import { FakeClock } from './fake-clock.js';
import { startGatedOrigin, type GatedOrigin } from './gated-origin.js';
import type { HarnessOptions } from './edge-harness.js';
import { ManualTimers } from './manual-timers.js';
import { HELD_ANSWER_TIMEOUTS, silent, testEdgeOptions } from './test-edge-options.js';
import type { Reply } from './edge-harness.js';


export interface ClusterNode {
  id: string;
  url: string;
  edge: Edge;
  server: EdgeListener;
  stopped: boolean;
  /** Every finished request, as the access log would see it, in completion order. */
  completed: CompletedRequest[];
  /** Resolves once `count` requests have finished on this edge (events, not sleeps). */
  completedCount(count: number): Promise<CompletedRequest[]>;
}

export interface ClusterHarness {
  clock: FakeClock;
  /** Present with `{ timers: 'virtual' }`: the edges' timers. */
  timers?: ManualTimers;
  nodes: ClusterNode[];
  originUrl: string;
  /** The origin's gates: answers for a gated path wait until the test releases them. */
  origin: GatedOrigin;
  get(node: ClusterNode, path: string, headers?: Record<string, string>): Promise<Reply>;
  send(node: ClusterNode, method: string, path: string, headers?: Record<string, string>): Promise<Reply>;
  originCount(path: string): Promise<number>;
  stop(node: ClusterNode): Promise<void>;
  /** Brings a stopped edge back on its old port, with whatever it held (a healed partition). */
  restart(node: ClusterNode): Promise<void>;
  /** Starts another edge and gives every running edge the new membership. */
  add(id: string): Promise<ClusterNode>;
  close(): Promise<void>;
}

/** The region secret cluster tests sign peer requests with, unless a test gives each edge its own. */
export const TEST_PEER_SECRET = 'cluster-test-peer-secret-0123456789abcdef';

export interface ClusterOptions extends HarnessOptions {
  /** Peer-auth settings per edge id (a rotation in progress, a stranger); default: require TEST_PEER_SECRET. */
  peerAuthFor?: (id: string) => PeerAuthSettings;
  /** Edge settings every edge gets on top of the test defaults (e.g. compression). */
  edgeOverrides?: Partial<EdgeOptions>;
}

export async function startCluster(ids: readonly string[], settings: Partial<ClusterSettings> = {}, options: ClusterOptions = {}): Promise<ClusterHarness> {
  const clock = new FakeClock();
  const timers = options.timers === 'virtual' ? new ManualTimers(clock) : undefined;
  const origin = await startGatedOrigin({ clock, adminToken: 'cluster-test-token-123', ...(timers === undefined ? {} : { timers }) });
  const transport: Transport = createUndiciTransport();
  const nodes: ClusterNode[] = [];
  const members: RingMember[] = [];

  async function listen(): Promise<{ server: EdgeListener; url: string; attach: (edge: Edge) => void } & Pick<ClusterNode, 'completed' | 'completedCount'>> {
    // The server must listen before the ring (which names every member's URL) can exist, so it
    // starts with a stand-in that forwards to the edge attached afterwards.
    let target: Edge | undefined;
    const completed: CompletedRequest[] = [];
    const waiters: Array<() => void> = [];
    const observer = {
      completed(e: CompletedRequest) {
        completed.push(e);
        for (const w of waiters.splice(0)) w();
      },
    };
    const server = createTestEdgeServer({ handle: (req) => target!.handle(req) } as Edge, silent, {
      keepAliveTimeoutMs: 5000,
      headersTimeoutMs: 5000,
      watch: { observer, clock, makeRequestId: sequentialIds('t') },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const completedCount = (count: number) =>
      new Promise<CompletedRequest[]>((resolve) => {
        const check = () => (completed.length >= count ? resolve(completed) : waiters.push(check));
        check();
      });
    return { server, url, attach: (edge) => (target = edge), completed, completedCount };
  }

  function makeEdge(id: string, ring: readonly RingMember[]): Edge {
    return new Edge({
      ...testEdgeOptions({ cacheName: id, originUrl: origin.url, clock, transport }),
      ...(timers === undefined ? {} : { timers, originTimeouts: { ...HELD_ANSWER_TIMEOUTS } }),
      ...options.edgeOverrides,
      cluster: {
        selfId: id,
        members: ring,
        peerTimeouts: timers === undefined ? { connectMs: 500, headersMs: 6000, bodyIdleMs: 5000 } : { ...HELD_ANSWER_TIMEOUTS },
        peerSuspectMs: 60_000,
        peerMaxSuspectMs: 60_000,
        hotKeyRequestsPerSecond: 1_000_000,
        hotCacheFraction: 0.1,
        handoffMs: 300_000,
        peerAuth: options.peerAuthFor?.(id) ?? { mode: 'require', secret: TEST_PEER_SECRET, windowMs: DEFAULT_PEER_AUTH_WINDOW_MS },
        ...settings,
      },
    });
  }

  const listening = [];
  for (const id of ids) listening.push({ id, ...(await listen()) });
  for (const l of listening) members.push({ id: l.id, url: l.url, weight: 1 });
  for (const l of listening) {
    const edge = makeEdge(l.id, members);
    l.attach(edge);
    nodes.push({ id: l.id, url: l.url, edge, server: l.server, stopped: false, completed: l.completed, completedCount: l.completedCount });
  }

  const send = async (node: ClusterNode, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await request(`${node.url}${path}`, { method: method as 'GET', headers });
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : String(v);
    return { status: res.statusCode, headers: flat, body: Buffer.from(await res.body.arrayBuffer()) };
  };

  return {
    clock,
    ...(timers === undefined ? {} : { timers }),
    nodes,
    originUrl: origin.url,
    origin,
    get: (node, path, headers) => send(node, 'GET', path, headers),
    send: (node, method, path, headers) => send(node, method, path, headers),
    async originCount(path) {
      const res = await request(`${origin.url}/_stats`);
      const stats = (await res.body.json()) as { paths: Record<string, number> };
      return stats.paths[path] ?? 0;
    },
    async stop(node) {
      node.stopped = true;
      node.server.closeAllConnections();
      await new Promise<void>((resolve) => node.server.close(() => resolve()));
    },
    async restart(node) {
      const port = Number(new URL(node.url).port);
      await new Promise<void>((resolve, reject) => {
        node.server.once('error', reject);
        node.server.listen(port, '127.0.0.1', () => resolve());
      });
      node.stopped = false;
    },
    async add(id) {
      const l = await listen();
      members.push({ id, url: l.url, weight: 1 });
      const edge = makeEdge(id, members);
      l.attach(edge);
      const node = { id, url: l.url, edge, server: l.server, stopped: false, completed: l.completed, completedCount: l.completedCount };
      for (const n of nodes) if (!n.stopped) n.edge.control.setMembers([...members]);
      nodes.push(node);
      return node;
    },
    async close() {
      for (const n of nodes) await n.edge.settled();
      for (const n of nodes) if (!n.stopped) {
        n.server.closeAllConnections();
        await new Promise<void>((resolve) => n.server.close(() => resolve()));
      }
      await origin.close();
      await transport.close();
    },
  };
}
