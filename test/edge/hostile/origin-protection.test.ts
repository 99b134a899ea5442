/**
 * The origin is protected from the edge's clients (issue #12): a bounded number of origin
 * connections with a bounded wait queue (503 + Retry-After beyond it, counted), and a per-client
 * budget of origin-bound misses, so a cache-busting client against a slow origin gets 429s while
 * other clients are still served. The origin here answers only when the test releases it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createUndiciTransport } from '../../../common/adapters/undici-transport.js';
import { createEdgeServer } from '../../../edge/adapters/node-server.js';
import { Edge } from '../../../edge/pipeline/edge.js';
import type { OriginProtection } from '../../../edge/pipeline/edge-options.js';
import { FakeClock } from '../../support/fake-clock.js';
import { startHeldOrigin, type HeldOrigin } from '../../support/held-origin.js';
import { silent, testEdgeOptions } from '../../support/test-edge-options.js';

interface Setup {
  origin: HeldOrigin;
  edge: Edge;
  clock: FakeClock;
  get(path: string): Promise<{ status: number; retryAfter: string | undefined }>;
  /** A GET from another client address on loopback (127.0.0.2). */
  getFromOther(path: string): Promise<{ status: number }>;
  close(): Promise<void>;
}

async function setup(protection: OriginProtection): Promise<Setup> {
  const origin = await startHeldOrigin();
  const clock = new FakeClock();
  const transport = createUndiciTransport();
  const edge = new Edge({ ...testEdgeOptions({ cacheName: 'e1', originUrl: origin.url, clock, transport }), originProtection: protection });
  const server: Server = createEdgeServer(edge, silent, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    edge,
    clock,
    getFromOther(path) {
      return new Promise((resolve, reject) => {
        const port = Number(new URL(url).port);
        httpRequest({ host: '127.0.0.1', port, path, localAddress: '127.0.0.2', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        })
          .on('error', reject)
          .end();
      });
    },
    async get(path) {
      const res = await request(`${url}${path}`);
      await res.body.dump();
      const ra = res.headers['retry-after'];
      return { status: res.statusCode, retryAfter: ra === undefined ? undefined : String(ra) };
    },
    async close() {
      origin.release();
      await edge.settled();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await origin.close();
      await transport.close();
    },
  };
}

const NO_BUDGET = { clientMissesPerSecond: 0, clientMissBurst: 1, maxTrackedClients: 100 };

test('at most maxConnections requests reach a slow origin; maxQueued wait; the rest get 503 + Retry-After at once', async () => {
  const s = await setup({ maxConnections: 4, maxQueued: 8, ...NO_BUDGET });
  try {
    const replies = Array.from({ length: 20 }, (_, i) => s.get(`/slow/${i}`));
    await s.origin.waitForArrivals(4);
    // The 8 that found no place are answered while the origin still holds the first 4.
    const settled = await Promise.race([Promise.all(replies), new Promise<'held'>((r) => setImmediate(() => r('held')))]);
    assert.is(settled, 'held', 'the admitted requests are still at the origin');
    let refused = 0;
    while (refused < 8) {
      refused = s.edge.originGate!.refused;
      await new Promise((r) => setImmediate(r));
    }
    assert.is(s.origin.arrived(), 4, 'no more than maxConnections reached the origin');
    assert.equal(s.edge.originGate!.stats(), { inFlight: 4, queued: 8 });
    while (s.origin.arrived() < 12) {
      s.origin.release();
      await new Promise((r) => setImmediate(r));
    }
    s.origin.release();
    const all = await Promise.all(replies);
    assert.is(all.filter((r) => r.status === 200).length, 12);
    const busy = all.filter((r) => r.status === 503);
    assert.is(busy.length, 8);
    for (const r of busy) assert.is(r.retryAfter, '1');
    assert.is(s.origin.maxConcurrent(), 4);
    assert.equal(s.edge.originGate!.stats(), { inFlight: 0, queued: 0 }, 'every slot came back');
  } finally {
    await s.close();
  }
});

test('a cache-busting client spends its miss budget and gets 429s; another client is still served', async () => {
  const s = await setup({ maxConnections: 64, maxQueued: 64, clientMissesPerSecond: 5, clientMissBurst: 10, maxTrackedClients: 100 });
  try {
    const busting = Array.from({ length: 30 }, (_, i) => s.get(`/bust?nocache=${i}`));
    await s.origin.waitForArrivals(10);
    let limited = 0;
    while (limited < 20) {
      limited = s.edge.metrics.clientBudgetExceeded;
      await new Promise((r) => setImmediate(r));
    }
    assert.is(s.origin.arrived(), 10, 'only the burst reached the origin');
    const fromOther = s.getFromOther('/bust?nocache=other');
    await s.origin.waitForArrivals(11);
    s.origin.release();
    assert.is((await fromOther).status, 200, 'a different address has its own budget');
    const replies = await Promise.all(busting);
    assert.is(replies.filter((r) => r.status === 200).length, 10);
    const denied = replies.filter((r) => r.status === 429);
    assert.is(denied.length, 20);
    for (const r of denied) assert.ok(Number(r.retryAfter) >= 1);
    // One second later (edge time) five more misses are allowed: the budget refills at 5/s.
    s.clock.advance(1000);
    const later = Array.from({ length: 6 }, (_, i) => s.get(`/bust?later=${i}`));
    await s.origin.waitForArrivals(16);
    while (s.edge.metrics.clientBudgetExceeded < 21) await new Promise((r) => setImmediate(r));
    s.origin.release();
    const laterReplies = await Promise.all(later);
    assert.equal(laterReplies.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 429]);
  } finally {
    await s.close();
  }
});

test('hits are never charged: a client may read cached objects as fast as it likes', async () => {
  const s = await setup({ maxConnections: 8, maxQueued: 8, clientMissesPerSecond: 1, clientMissBurst: 1, maxTrackedClients: 100 });
  try {
    const first = s.get('/cached');
    await s.origin.waitForArrivals(1);
    s.origin.release();
    assert.is((await first).status, 200);
    for (let i = 0; i < 50; i++) assert.is((await s.get('/cached')).status, 200);
    assert.is((await s.get('/uncached')).status, 429, 'but a second miss in the same instant is over budget');
  } finally {
    await s.close();
  }
});

test.run();
