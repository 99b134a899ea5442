/**
 * Two control-plane replicas on one (in-memory) etcd: an edge heartbeats and acks to replica A
 * only, and replica B's receipts, /edges and membership know it; keys hang off the publishing
 * replica's lease and go when it does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ControlEvent } from '../../common/control-protocol.js';
import { etcdReplicas, RIG_EDGE_TOKEN as EDGE_TOKEN } from './support/etcd-replicas.js';

const setup = async () => etcdReplicas();

test('an edge that reports to replica A only is known to replica B: receipt, /edges and applied seq', async () => {
  const { replica, run } = await setup();
  const [a, b] = [await replica('a'), await replica('b')];
  const accepted = await a.call('POST', '/purges', { kind: 'url', values: ['example.com/x'] });
  assert.is(accepted.status, 202);
  const { id } = accepted.body as { id: string };
  assert.is(a.openStream('e1').kind, 'stream');
  const hb = await a.call('POST', '/heartbeats', { edge: 'e1', region: 'r1', url: 'http://127.0.0.1:8081', appliedSeq: 0, load: { requestsPerSec: 0, errorRate: 0 } });
  assert.is(hb.status, 200);
  assert.is((await a.call('POST', '/acks', { edge: 'e1', appliedSeq: 1 })).status, 200);
  await run(500);
  const edges = (await b.call('GET', '/edges')).body as { edges: Array<{ id: string; appliedSeq: number; url: string; health: string }> };
  assert.equal(edges.edges.map((e) => [e.id, e.appliedSeq, e.url, e.health]), [['e1', 1, 'http://127.0.0.1:8081', 'healthy']]);
  // B did not create the log, so its receipts stay pending until leases A might have granted ran out.
  await run(13_000);
  const receipt = (await b.call('GET', `/purges/${id}`)).body as { state: string; edges: Array<{ edge: string; applied: boolean }> };
  assert.equal(receipt.edges.map((e) => [e.edge, e.applied]), [['e1', true]]);
  assert.is(receipt.state, 'complete');
  await Promise.all([a.close(), b.close()]);
});

test('a report ahead of the receiving replica\'s log is still taken (it may lag the shared log)', async () => {
  const { replica, run } = await setup();
  const [a, b] = [await replica('a'), await replica('b')];
  b.cp.applyRemoteReport({ edge: 'e9', appliedSeq: 50 });
  await run(200);
  const edges = (await b.call('GET', '/edges')).body as { edges: Array<{ id: string; appliedSeq: number }> };
  assert.equal(edges.edges.map((e) => [e.id, e.appliedSeq]), [['e9', 50]]);
  await Promise.all([a.close(), b.close()]);
});

test('published reports hang off the publishing replica\'s lease: gone from etcd when it closes', async () => {
  const { etcd, replica, run } = await setup();
  const a = await replica('a');
  a.openStream('e1');
  await a.call('POST', '/heartbeats', { edge: 'e1', region: 'r1', url: 'http://127.0.0.1:8081', appliedSeq: 0, load: { requestsPerSec: 0, errorRate: 0 } });
  await run(500);
  assert.ok(etcd.data.has('/t/edges/e1'));
  await a.close();
  assert.not.ok(etcd.data.has('/t/edges/e1'));
});


test('an edge leaving through replica A leaves the ring replica B pushes, without waiting for its heartbeats to stop', async () => {
  const { replica, run } = await setup();
  const [a, b] = [await replica('a'), await replica('b')];
  const heartbeat = (edge: string, leaving: boolean) =>
    a.call('POST', '/heartbeats', { edge, region: 'r1', url: `http://127.0.0.1:${edge === 'e1' ? 8081 : 8082}`, appliedSeq: 0, load: { requestsPerSec: 0, errorRate: 0 }, ...(leaving ? { leaving } : {}) });
  for (const edge of ['e1', 'e2']) {
    assert.is(a.openStream(edge).kind, 'stream');
    assert.is((await heartbeat(edge, false)).status, 200);
  }
  // e1 also streams from B: what B pushes to it is the ring B believes in.
  const rings: string[][] = [];
  const sink = { write: (e: ControlEvent) => (e.event === 'membership' && rings.push(e.data.members.map((m) => m.id)), true), end: () => undefined };
  assert.is(b.cp.openStream({ method: 'GET', target: '/stream?edge=e1', headers: { authorization: `Bearer ${EDGE_TOKEN}` } }, sink).kind, 'stream');
  await run(500);
  const lastRing = (): string[] | undefined => rings.at(-1);
  assert.equal(lastRing(), ['e1', 'e2']);
  assert.is((await heartbeat('e2', true)).status, 200);
  await run(500);
  assert.equal(lastRing(), ['e1'], 'B dropped e2 from the ring as soon as A shared its leaving heartbeat');
  await Promise.all([a.close(), b.close()]);
});

test.run();
