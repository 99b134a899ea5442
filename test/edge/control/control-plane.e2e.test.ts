/**
 * Edges with their control-plane client against the real control plane, all over loopback in one
 * process: purges reach every edge in order and complete their receipts; a disconnected edge
 * catches up on reconnect; leases are granted and lapse. Sockets are real; time is not: the control
 * plane, the edges and the origin share one FakeClock and one set of ManualTimers, so a lease
 * lapses, an ack leaves or a renewal is due only when the test advances time, and the test waits
 * for what it needs by watching the edges' control calls and the answers their transport gets.
 */
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import type { PurgeRecord } from '../../../common/control-protocol.js';
import { createUndiciTransport } from '../../../common/adapters/undici-transport.js';
import type { Logger, Transport } from '../../../common/ports.js';
import { createControlPlaneServer } from '../../../control-plane/adapters/http-server.js';
import { controlPlaneConfigWithDefaults } from '../../../control-plane/config.js';
import { ControlPlane } from '../../../control-plane/control-plane.js';
import { Credentials } from '../../../control-plane/credentials.js';
import { openMemoryPurgeLog } from '../../../control-plane/purge-log.js';
import type { EdgeListener } from '../../../edge/adapters/edge-listener.js';
import { createTestEdgeServer } from '../../support/edge-server-choice.js';
import { createControlClient, createEdge, controlTargetFor, edgeConfigWithDefaults } from '../../../edge/create-edge.js';
import type { Edge } from '../../../edge/pipeline/edge.js';
import type { ControlClient, ControlTarget } from '../../../edge/control/control-client.js';
import { FakeClock } from '../../support/fake-clock.js';
import { startGatedOrigin } from '../../support/gated-origin.js';
import { ManualTimers } from '../../support/manual-timers.js';

const TOKEN = 'control-plane-test-token';
const EDGE_TOKEN = 'control-plane-edge-token';
const LEASE_MS = 2000;
/** The control client coalesces acks for this long (ACK_DELAY_MS in control-client.ts). */
const ACK_DELAY_MS = 5;
const silent: Logger = { log: () => undefined };

/**
 * Something the test watches changed (a control call on an edge, an answer to an edge's request).
 * `until` re-checks its condition after every change and never sleeps or gives up on a clock:
 * the condition is either met by the events the test started, or the test is wrong.
 */
class Changes {
  private version = 0;
  private wakers: Array<() => void> = [];

  notify(): void {
    this.version++;
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }

  async until(condition: () => boolean | Promise<boolean>): Promise<void> {
    for (;;) {
      const seen = this.version;
      if (await condition()) return;
      if (this.version === seen) await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
  }
}

/** The edge as the control client drives it, recording each purge applied and reporting every call. */
function watchedTarget(edge: Edge, changes: Changes, applied: number[]): ControlTarget {
  const inner = controlTargetFor(edge);
  return {
    applyPurge(record: PurgeRecord) {
      applied.push(record.seq);
      inner.applyPurge(record);
      changes.notify();
    },
    flush(seq) {
      inner.flush(seq);
      changes.notify();
    },
    renewLease(leaseMs) {
      inner.renewLease(leaseMs);
      changes.notify();
    },
    get appliedSeq() {
      return inner.appliedSeq;
    },
    load: () => inner.load(),
  };
}

/** A transport that reports each answer (or failure) it got, e.g. the control plane's reply to an ack. */
function watchedTransport(inner: Transport, changes: Changes): Transport {
  return {
    request: (req) =>
      inner.request(req).finally(() => changes.notify()),
    close: () => inner.close(),
  };
}

interface RegionEdge {
  id: string;
  url: string;
  edge: Edge;
  control: ControlClient;
  server: EdgeListener;
  /** Seqs of the purges applied, in the order they were applied. */
  applied: number[];
}

interface Region {
  timers: ManualTimers;
  changes: Changes;
  originUrl: string;
  edges: RegionEdge[];
  purge(body: unknown): Promise<{ status: number; json: { id: string; seq: number } }>;
  receipt(id: string): Promise<{ state: string; edges: Array<{ edge: string; applied: boolean }> }>;
  get(i: number, path: string): Promise<{ status: number; cacheStatus: string; body: string }>;
  close(): Promise<void>;
}

async function startRegion(edgeCount: number): Promise<Region> {
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  const changes = new Changes();
  const log = await openMemoryPurgeLog();
  const cp = new ControlPlane({
    clock,
    timers,
    log,
    logger: silent,
    config: controlPlaneConfigWithDefaults({ token: TOKEN, leaseMs: LEASE_MS, heartbeatIntervalMs: 200 }),
    credentials: new Credentials({ admin: [TOKEN], edge: [EDGE_TOKEN] }),
  });
  const cpServer = createControlPlaneServer(cp, silent, { maxBodyBytes: 1 << 20 });
  await new Promise<void>((resolve) => cpServer.listen(0, '127.0.0.1', resolve));
  const cpUrl = `http://127.0.0.1:${(cpServer.address() as AddressInfo).port}`;
  const origin = await startGatedOrigin({ clock, timers, adminToken: TOKEN });
  const transport = watchedTransport(createUndiciTransport(), changes);
  const edges: RegionEdge[] = [];
  for (let i = 0; i < edgeCount; i++) {
    const id = `e${i + 1}`;
    const config = edgeConfigWithDefaults({ id, origin: origin.url, controlPlane: { url: cpUrl, token: EDGE_TOKEN, reconnectMinMs: 10, reconnectMaxMs: 50 } as never });
    const ports = { clock, timers, transport, logger: silent, random: { next: () => 0.5 } };
    const edge = createEdge(config, ports);
    const server = createTestEdgeServer(edge, silent, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const applied: number[] = [];
    const control = createControlClient(config, edge, ports, url, watchedTarget(edge, changes, applied))!;
    control.start();
    edges.push({ id, url, edge, control, server, applied });
  }
  // The control plane grants a lease as each stream opens.
  await changes.until(() => edges.every((e) => e.edge.control.leaseValid()));
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  return {
    timers,
    changes,
    originUrl: origin.url,
    edges,
    async purge(body) {
      const res = await request(`${cpUrl}/purges`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
      return { status: res.statusCode, json: (await res.body.json()) as { id: string; seq: number } };
    },
    async receipt(id) {
      const res = await request(`${cpUrl}/purges/${id}`, { headers: auth });
      return (await res.body.json()) as { state: string; edges: Array<{ edge: string; applied: boolean }> };
    },
    async get(i, path) {
      const res = await request(`${edges[i]!.url}${path}`);
      return { status: res.statusCode, cacheStatus: String(res.headers['cache-status']), body: await res.body.text() };
    },
    async close() {
      for (const e of edges) {
        e.control.stop();
        await e.edge.settled();
        e.server.closeAllConnections();
        await new Promise<void>((resolve) => e.server.close(() => resolve()));
      }
      cp.close();
      cpServer.closeAllConnections();
      await new Promise<void>((resolve) => cpServer.close(() => resolve()));
      await origin.close();
      await transport.close();
      await log.close();
    },
  };
}

test('a URL purge reaches every edge, completes its receipt, and the next request sees the new version', async () => {
  const r = await startRegion(2);
  try {
    for (let i = 0; i < 2; i++) assert.match((await r.get(i, '/obj')).body, /version=1/);
    await request(`${r.originUrl}/_admin/version?path=/obj`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } }).then((x) => x.body.dump());
    for (let i = 0; i < 2; i++) assert.match((await r.get(i, '/obj')).cacheStatus, /hit/, 'still cached before the purge');
    const accepted = await r.purge({ kind: 'url', values: ['127.0.0.1/obj'] });
    assert.is(accepted.status, 202);
    await r.changes.until(() => r.edges.every((e) => e.edge.control.purges.appliedSeq >= accepted.json.seq));
    assert.is((await r.receipt(accepted.json.id)).state, 'pending', 'applied but not acknowledged yet');
    // The edges' coalesced acks leave now; the receipt completes once the control plane has them.
    r.timers.advance(ACK_DELAY_MS);
    await r.changes.until(async () => (await r.receipt(accepted.json.id)).state === 'complete');
    const receipt = await r.receipt(accepted.json.id);
    assert.equal(receipt.edges.map((e) => [e.edge, e.applied]).sort(), [['e1', true], ['e2', true]]);
    for (let i = 0; i < 2; i++) assert.match((await r.get(i, '/obj')).body, /version=2/, 'no copy from before the purge');
  } finally {
    await r.close();
  }
});

test('an edge cut off during 100 purges applies all of them, in order, when it reconnects', async () => {
  const r = await startRegion(1);
  try {
    const e = r.edges[0]!;
    e.control.stop();
    let last = 0;
    for (let i = 0; i < 100; i++) last = (await r.purge({ kind: 'url', values: [`127.0.0.1/p${i}`] })).json.seq;
    assert.is(e.applied.length, 0);
    // A new connection for the same edge resumes from what the edge applied (after=...), as after a partition.
    e.control.start();
    await r.changes.until(() => e.edge.control.purges.appliedSeq === last);
    assert.is(e.applied.length, 100);
    assert.equal(e.applied, [...e.applied].sort((a, b) => a - b), 'in order');
    assert.is(new Set(e.applied).size, 100, 'each exactly once');
  } finally {
    await r.close();
  }
});

test('an edge whose control plane is gone loses its lease and revalidates', async () => {
  const r = await startRegion(1);
  try {
    await r.get(0, '/leased');
    assert.match((await r.get(0, '/leased')).cacheStatus, /hit/);
    r.edges[0]!.control.stop();
    r.timers.advance(LEASE_MS - 1);
    assert.ok(r.edges[0]!.edge.control.leaseValid(), 'the lease still runs');
    r.timers.advance(1);
    assert.not.ok(r.edges[0]!.edge.control.leaseValid(), 'the lease lapsed with nothing renewing it');
    assert.match((await r.get(0, '/leased')).cacheStatus, /fwd=stale; fwd-status=304.*detail=lease-expired/);
  } finally {
    await r.close();
  }
});

test.run();
