/**
 * Edges with their control-plane client against the real control plane, all over loopback in one
 * process: purges reach every edge in order and complete their receipts; a disconnected edge
 * catches up on reconnect; leases are granted and lapse.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { systemClock, systemRandom, systemTimers } from '../../../common/adapters/system-clock.js';
import { createUndiciTransport } from '../../../common/adapters/undici-transport.js';
import type { Logger } from '../../../common/ports.js';
import { createControlPlaneServer } from '../../../control-plane/adapters/http-server.js';
import { controlPlaneConfigWithDefaults } from '../../../control-plane/config.js';
import { ControlPlane } from '../../../control-plane/control-plane.js';
import { Credentials } from '../../../control-plane/credentials.js';
import { openMemoryPurgeLog } from '../../../control-plane/purge-log.js';
import type { EdgeListener } from '../../../edge/adapters/edge-listener.js';
import { createTestEdgeServer } from '../../support/edge-server-choice.js';
import { createControlClient, createEdge, edgeConfigWithDefaults } from '../../../edge/create-edge.js';
import type { Edge } from '../../../edge/pipeline/edge.js';
import type { ControlClient } from '../../../edge/control/control-client.js';
import { startOriginServer } from '../../../origin/adapters/node-server.js';
import { createOrigin } from '../../../origin/handler.js';
import { resolveOriginConfig } from '../../../origin/schema.js';

const TOKEN = 'control-plane-test-token';
const EDGE_TOKEN = 'control-plane-edge-token';
const silent: Logger = { log: () => undefined };

interface Region {
  cpUrl: string;
  originUrl: string;
  edges: Array<{ id: string; url: string; edge: Edge; control: ControlClient; server: EdgeListener }>;
  purge(body: unknown): Promise<{ status: number; json: { id: string; seq: number } }>;
  receipt(id: string): Promise<{ state: string; edges: Array<{ edge: string; applied: boolean }> }>;
  get(i: number, path: string): Promise<{ status: number; cacheStatus: string; body: string }>;
  close(): Promise<void>;
}

async function until(what: string, condition: () => boolean | Promise<boolean>, limitMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function startRegion(edgeCount: number, cpOverrides = {}): Promise<Region> {
  const log = await openMemoryPurgeLog();
  const cp = new ControlPlane({
    clock: systemClock,
    timers: systemTimers,
    log,
    logger: silent,
    config: controlPlaneConfigWithDefaults({ token: TOKEN, leaseMs: 2000, heartbeatIntervalMs: 200, ...cpOverrides }),
    credentials: new Credentials({ admin: [TOKEN], edge: [EDGE_TOKEN] }),
  });
  const cpServer = createControlPlaneServer(cp, silent, { maxBodyBytes: 1 << 20 });
  await new Promise<void>((resolve) => cpServer.listen(0, '127.0.0.1', resolve));
  const cpUrl = `http://127.0.0.1:${(cpServer.address() as AddressInfo).port}`;
  const origin = await startOriginServer(createOrigin({ clock: systemClock, random: systemRandom, config: resolveOriginConfig({ adminToken: TOKEN }) }), { host: '127.0.0.1', port: 0 });
  const transport = createUndiciTransport();
  const edges: Region['edges'] = [];
  for (let i = 0; i < edgeCount; i++) {
    const id = `e${i + 1}`;
    const config = edgeConfigWithDefaults({ id, origin: origin.url, controlPlane: { url: cpUrl, token: EDGE_TOKEN, reconnectMinMs: 10, reconnectMaxMs: 50 } as never });
    const ports = { clock: systemClock, timers: systemTimers, transport, logger: silent, random: systemRandom };
    const edge = createEdge(config, ports);
    const server = createTestEdgeServer(edge, silent, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const control = createControlClient(config, edge, ports, url)!;
    control.start();
    edges.push({ id, url, edge, control, server });
  }
  await until('every edge holds a lease', () => edges.every((e) => e.edge.leaseValid()));
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  return {
    cpUrl,
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
    await until('the receipt completes', async () => (await r.receipt(accepted.json.id)).state === 'complete');
    const receipt = await r.receipt(accepted.json.id);
    assert.equal(receipt.edges.map((e) => [e.edge, e.applied]).sort(), [['e1', true], ['e2', true]]);
    for (let i = 0; i < 2; i++) assert.match((await r.get(i, '/obj')).body, /version=2/);
  } finally {
    await r.close();
  }
});

test('an edge cut off during 100 purges applies all of them, in order, when it reconnects', async () => {
  const r = await startRegion(1);
  try {
    const e = r.edges[0]!;
    const applied: number[] = [];
    const original = e.edge.applyPurge.bind(e.edge);
    e.edge.applyPurge = (record) => {
      applied.push(record.seq);
      original(record);
    };
    e.control.stop();
    let last = 0;
    for (let i = 0; i < 100; i++) last = (await r.purge({ kind: 'url', values: [`127.0.0.1/p${i}`] })).json.seq;
    assert.is(applied.length, 0);
    // A new client for the same edge resumes from what the edge applied (after=...), as after a partition.
    e.control.start();
    await until('every purge applied', () => e.edge.purges.appliedSeq === last);
    assert.is(applied.length, 100);
    assert.equal(applied, [...applied].sort((a, b) => a - b), 'in order');
    assert.is(new Set(applied).size, 100, 'each exactly once');
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
    await until('the lease lapses', () => !r.edges[0]!.edge.leaseValid(), 5000);
    assert.match((await r.get(0, '/leased')).cacheStatus, /fwd=stale; fwd-status=304.*detail=lease-expired/);
  } finally {
    await r.close();
  }
});

test.run();
