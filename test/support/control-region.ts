/**
 * A region as `npm start` runs it, in one process on loopback (port 0): the real origin, the real
 * control plane and edges built from config the way `cdn-edge` builds them (createEdge, the
 * control client, the admin server), plus the local region's real orchestrator, whose POST /edges
 * starts one more edge here. Progress waits on events (rings installed, answers released), never
 * on elapsed time.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { systemClock, systemRandom, systemTimers } from '../../common/adapters/system-clock.js';
import { createUndiciTransport } from '../../common/adapters/undici-transport.js';
import type { Logger, Transport } from '../../common/ports.js';
import { createControlPlaneServer } from '../../control-plane/adapters/http-server.js';
import { controlPlaneConfigWithDefaults } from '../../control-plane/config.js';
import { ControlPlane } from '../../control-plane/control-plane.js';
import { Credentials } from '../../control-plane/credentials.js';
import { openMemoryPurgeLog } from '../../control-plane/purge-log.js';
import { createAdminServer } from '../../edge/adapters/admin-server.js';
import { createEdgeServer } from '../../edge/adapters/node-server.js';
import { createEdgeRegistry } from '../../edge/adapters/prometheus.js';
import type { EdgeConfig } from '../../edge/config.js';
import type { ControlClient } from '../../edge/control/control-client.js';
import { adminMembershipFor, createControlClient, createEdge, edgeConfigWithDefaults } from '../../edge/create-edge.js';
import type { Edge } from '../../edge/pipeline/edge.js';
import { leaveGracefully, type LeaveReport } from '../../edge/leave.js';
import { createOrchestrator, type RegionEdge } from '../../local-region/orchestrator.js';
import { startOriginServer, type OriginServer } from '../../origin/adapters/node-server.js';
import { createOrigin } from '../../origin/handler.js';
import { resolveOriginConfig } from '../../origin/schema.js';
import { TEST_PEER_SECRET } from './cluster-harness.js';

export const REGION_TOKEN = 'region-test-token-0123456789';
/** What the edges present to the control plane (#13: edges and admins hold different tokens). */
export const REGION_EDGE_TOKEN = 'region-test-edge-token-0123456789';
const silent: Logger = { log: () => undefined };

export interface RegionNode {
  id: string;
  url: string;
  adminUrl: string;
  edge: Edge;
  control: ControlClient;
  server: Server;
  admin: Server;
  /** Leaving (draining) or gone: no longer expected in anyone's ring. */
  leaving: boolean;
  closed: boolean;
}

export interface ControlRegion {
  nodes: RegionNode[];
  originUrl: string;
  cpUrl: string;
  orchestratorUrl: string;
  cp: ControlPlane;
  get(node: RegionNode, path: string): Promise<{ status: number; cacheStatus: string }>;
  /** Origin GETs per path so far (its /_stats). */
  originCounts(): Promise<Record<string, number>>;
  /** POST /edges on the orchestrator, as `npm start`'s users scale out. */
  addEdge(): Promise<{ status: number; body: { id?: string; url?: string; error?: string } }>;
  node(id: string): RegionNode;
  /** Resolves once the ring of every edge that is neither leaving nor closed is exactly `ids`. */
  ringsAre(ids: readonly string[]): Promise<void>;
  /** SIGTERM as cdn-edge handles it (edge/leave.ts), then the edge is gone. */
  leave(node: RegionNode, graceMs?: number): Promise<LeaveReport>;
  /** A rolling-restart step: the edge leaves gracefully, and a fresh process with the same id (empty cache) starts. */
  restart(node: RegionNode): Promise<{ left: LeaveReport; node: RegionNode }>;
  /** Stops one edge's servers and control client (a crash, as peers see it). */
  closeNode(node: RegionNode): Promise<void>;
  close(): Promise<void>;
}

/**
 * Polls a condition on the event loop: progress here is driven by the region's own events. No
 * deadline (a wall-clock bound passes or fails with the machine's speed); a condition that never
 * holds hangs the test, which the runner and `npm run test:stress` report. The 5 ms pause spaces
 * conditions that make HTTP requests of their own.
 */
export async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  void what; // named at each call site for the reader of a hung run
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

export interface RegionOptions {
  edge?: Partial<EdgeConfig>;
  /** Wraps the edges' transport, e.g. to hold origin answers until a test releases them. */
  transport?: (real: Transport) => Transport;
}

export async function startControlRegion(count: number, options: RegionOptions = {}): Promise<ControlRegion> {
  const edgeOverrides = options.edge ?? {};
  const log = await openMemoryPurgeLog();
  const cp = new ControlPlane({
    clock: systemClock,
    timers: systemTimers,
    log,
    logger: silent,
    config: controlPlaneConfigWithDefaults({ token: REGION_TOKEN, leaseMs: 5000, heartbeatIntervalMs: 50, health: { membershipAfterMs: 0, checkIntervalMs: 20 } as never }),
    credentials: new Credentials({ admin: [REGION_TOKEN], edge: [REGION_EDGE_TOKEN] }),
  });
  const cpServer = createControlPlaneServer(cp, silent, { maxBodyBytes: 1 << 20 });
  await new Promise<void>((resolve) => cpServer.listen(0, '127.0.0.1', resolve));
  const cpUrl = `http://127.0.0.1:${(cpServer.address() as AddressInfo).port}`;
  const origin: OriginServer = await startOriginServer(
    createOrigin({ clock: systemClock, random: systemRandom, config: resolveOriginConfig({ adminToken: REGION_TOKEN }) }),
    { host: '127.0.0.1', port: 0 },
  );
  const real = createUndiciTransport();
  const transport = options.transport === undefined ? real : options.transport(real);
  const nodes: RegionNode[] = [];

  const listen = async (server: Server): Promise<string> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  /** Starts edge `id` as cdn-edge would with `--peers` = existing + itself and `--control-plane`. */
  const startEdge = async (id: string, existing: readonly { id: string; url: string }[]): Promise<RegionNode> => {
    // The server listens before the edge exists (its URL is in its own --peers), forwarding to it once built.
    let target: Edge | undefined;
    const server = createEdgeServer({ handle: (req) => target!.handle(req) } as Edge, silent, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000 });
    const url = await listen(server);
    const config = edgeConfigWithDefaults({
      id,
      origin: origin.url,
      region: 'local',
      peers: [...existing, { id, url }].map((p) => ({ id: p.id, url: p.url, weight: 1 })),
      admin: { token: REGION_TOKEN } as never,
      controlPlane: { url: cpUrl, token: REGION_EDGE_TOKEN, reconnectMinMs: 10, reconnectMaxMs: 50 } as never,
      peerAuth: { secret: TEST_PEER_SECRET } as never,
      ...edgeOverrides,
    });
    const ports = { clock: systemClock, timers: systemTimers, transport, logger: silent, random: systemRandom };
    const edge = createEdge(config, ports);
    target = edge;
    const control = createControlClient(config, edge, ports, url)!;
    control.start();
    const admin = createAdminServer({
      token: REGION_TOKEN,
      registry: createEdgeRegistry(edge, control),
      health: () => ({ ok: true, detail: { id } }),
      ...adminMembershipFor(edge, control),
    });
    const adminUrl = await listen(admin);
    const node: RegionNode = { id, url, adminUrl, edge, control, server, admin, leaving: false, closed: false };
    nodes.push(node);
    return node;
  };

  for (let i = 1; i <= count; i++) await startEdge(`e${i}`, nodes);
  await until('every edge holds a lease and the full ring', () =>
    nodes.every((n) => n.edge.control.leaseValid() && n.edge.cluster!.members().length === count),
  );

  const regionEdges: RegionEdge[] = nodes.map((n) => ({ id: n.id, url: n.url, adminUrl: n.adminUrl }));
  const orchestrator = createOrchestrator({
    token: REGION_TOKEN,
    edges: regionEdges,
    startEdge: async (id, existing) => {
      const node = await startEdge(id, existing);
      return { id: node.id, url: node.url, adminUrl: node.adminUrl };
    },
    controlPlane: { url: cpUrl, token: REGION_TOKEN, region: 'local' },
    changed: () => undefined,
  });
  const orchestratorUrl = await listen(orchestrator);

  const closeNode = async (node: RegionNode): Promise<void> => {
    if (node.closed) return;
    node.closed = true;
    node.control.stop();
    await node.edge.settled();
    for (const server of [node.server, node.admin]) {
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };

  const leave = async (node: RegionNode, graceMs = 10_000): Promise<LeaveReport> => {
    node.leaving = true;
    const closed = new Promise<void>((resolve) => node.server.once('close', () => resolve()));
    const report = await leaveGracefully({
      edge: node.edge,
      control: node.control,
      clock: systemClock,
      timers: systemTimers,
      graceMs,
      stopAccepting: () => {
        node.server.close();
        node.server.closeIdleConnections();
      },
      inFlightDone: () => closed,
    });
    await closeNode(node);
    return report;
  };

  return {
    nodes,
    originUrl: origin.url,
    cpUrl,
    orchestratorUrl,
    cp,
    async get(node, path) {
      const res = await request(`${node.url}${path}`);
      await res.body.dump();
      return { status: res.statusCode, cacheStatus: String(res.headers['cache-status']) };
    },
    async originCounts() {
      const res = await request(`${origin.url}/_stats`);
      return ((await res.body.json()) as { paths: Record<string, number> }).paths;
    },
    async addEdge() {
      const res = await request(`${orchestratorUrl}/edges`, { method: 'POST', headers: { authorization: `Bearer ${REGION_TOKEN}` } });
      return { status: res.statusCode, body: (await res.body.json()) as { id?: string; url?: string; error?: string } };
    },
    node(id) {
      const found = nodes.find((n) => n.id === id && !n.closed);
      if (found === undefined) throw new Error(`no edge ${id}`);
      return found;
    },
    async ringsAre(ids) {
      const want = [...ids].sort().join(',');
      await until(`every open edge's ring to be ${want}`, () =>
        nodes.filter((n) => !n.closed && !n.leaving).every((n) => n.edge.cluster!.members().map((m) => m.id).sort().join(',') === want),
      );
    },
    leave,
    async restart(node) {
      const left = await leave(node);
      const others = nodes.filter((n) => !n.closed && !n.leaving).map((n) => ({ id: n.id, url: n.url }));
      return { left, node: await startEdge(node.id, others) };
    },
    closeNode,
    async close() {
      for (const n of nodes) await closeNode(n);
      orchestrator.closeAllConnections();
      await new Promise<void>((resolve) => orchestrator.close(() => resolve()));
      cp.close();
      cpServer.closeAllConnections();
      await new Promise<void>((resolve) => cpServer.close(() => resolve()));
      await origin.close();
      await real.close();
      await log.close();
    },
  };
}

/** The open edge that owns `path` in its own ring. */
export function ownerOf(r: ControlRegion, path: string): RegionNode {
  return r.nodes.find((n) => !n.closed && n.edge.cluster!.owns(n.edge.control.keyFor(undefined, path)!))!;
}

/** Origin fetches of `keys` beyond the one that warmed each. */
export async function refetches(r: ControlRegion, keys: readonly string[]): Promise<number> {
  const counts = await r.originCounts();
  return keys.reduce((sum, k) => sum + Math.max(0, (counts[k] ?? 0) - 1), 0);
}
