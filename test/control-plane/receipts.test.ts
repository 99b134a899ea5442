/**
 * Receipts on a hand-moved clock: pending until every known edge applied the purge or was without
 * a lease at some point since it was accepted; which one it was is reported per edge.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryLogStorage } from '../../control-plane/purge-log.js';
import { FakeClock } from '../support/fake-clock.js';
import { startControlPlane, type CpHarness } from './support/harness.js';

const LEASE_MS = 9_000;
const GRACE_MS = 1_000;

async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

const receipt = async (h: CpHarness, id: string) => {
  const reply = await h.send('GET', `/purges/${id}`);
  assert.is(reply.status, 200);
  return reply.body as { state: string; edges: Array<{ edge: string; applied: boolean; appliedAtMs?: number; leaseExpired: boolean }> };
};

test('receipt: pending, then complete-with-expired-leases when a partitioned edge lets its lease lapse, then complete', async () => {
  const h = await startControlPlane({ config: { leaseMs: LEASE_MS, leaseGraceMs: GRACE_MS } });
  try {
    const a = await h.stream('edge=a');
    const b = await h.stream('edge=b');
    await a.until('lease');
    await b.until('lease');
    const t0 = h.clock.wallMs();

    const { id, seq } = await h.purge({ kind: 'prefix', values: ['example.com/img/'] });
    await a.purges(1);
    await b.purges(1);
    let r = await receipt(h, id);
    assert.is(r.state, 'pending');
    assert.equal(r.edges, [
      { edge: 'a', region: '', applied: false, leaseExpired: false },
      { edge: 'b', region: '', applied: false, leaseExpired: false },
    ]);

    h.clock.advance(5);
    assert.is((await h.send('POST', '/acks', { edge: 'a', appliedSeq: seq })).status, 200);
    r = await receipt(h, id);
    assert.is(r.state, 'pending', 'b has neither applied nor lost its lease');
    assert.equal(r.edges[0], { edge: 'a', region: '', applied: true, appliedAtMs: t0 + 5, leaseExpired: false });

    // b is cut off: no acks, no renewals. a keeps its stream (and leases) alive.
    b.close();
    await eventually(() => h.cp.hub.size === 1, 'server saw b go');
    h.timers.advance(LEASE_MS + GRACE_MS - 10); // b's lease (granted at t0) is still counted as held
    r = await receipt(h, id);
    assert.is(r.state, 'pending');
    h.timers.advance(10);
    r = await receipt(h, id);
    assert.is(r.state, 'complete-with-expired-leases');
    assert.equal(r.edges[1], { edge: 'b', region: '', applied: false, leaseExpired: true });
    const edges = (await h.send('GET', '/edges')).body.edges as Array<{ id: string; leaseValid: boolean }>;
    assert.equal(edges.map((e) => [e.id, e.leaseValid]), [['a', true], ['b', false]]);

    // b comes back: the purge is replayed before its new lease; the lapse still counts for this purge.
    const back = await h.stream(`edge=b&after=0&log=test-log`);
    assert.equal((await back.purges(1)).map((p) => p.seq), [seq]);
    await back.until('lease');
    r = await receipt(h, id);
    assert.is(r.state, 'complete-with-expired-leases', 'never goes back to pending');
    await h.send('POST', '/heartbeats', { edge: 'b', region: 'eu', url: 'http://127.0.0.1:8002', appliedSeq: seq, load: { requestsPerSec: 0, errorRate: 0 } });
    r = await receipt(h, id);
    assert.is(r.state, 'complete');
    assert.equal(r.edges.map((e) => [e.edge, e.applied]), [['a', true], ['b', true]]);

    // A purge after b is back, applied by both, is plainly complete.
    const second = await h.purge({ kind: 'all' });
    assert.is((await receipt(h, second.id)).state, 'pending');
    await h.send('POST', '/acks', { edge: 'a', appliedSeq: second.seq });
    await h.send('POST', '/acks', { edge: 'b', appliedSeq: second.seq });
    assert.is((await receipt(h, second.id)).state, 'complete');
  } finally {
    await h.close();
  }
});

test('receipt: a heartbeat from an edge that never opened a stream is refused and never counts', async () => {
  const h = await startControlPlane({ config: { leaseMs: LEASE_MS, leaseGraceMs: GRACE_MS } });
  try {
    const hb = await h.send('POST', '/heartbeats', { edge: 'hb', region: 'eu', url: 'http://127.0.0.1:8001', appliedSeq: 0, load: { requestsPerSec: 0, errorRate: 0 } });
    assert.is(hb.status, 404);
    const { id } = await h.purge({ kind: 'key', values: ['k'] });
    const r = await receipt(h, id);
    assert.equal(r.edges, [], 'never registered');
  } finally {
    await h.close();
  }
});

test('receipt: an edge joining with an empty cache after the purge counts as applied', async () => {
  const h = await startControlPlane({ config: { leaseMs: LEASE_MS, leaseGraceMs: GRACE_MS } });
  try {
    const { id } = await h.purge({ kind: 'key', values: ['k'] });
    const s = await h.stream('edge=late');
    await s.until('lease');
    const r = await receipt(h, id);
    assert.is(r.state, 'complete');
    assert.equal(r.edges.map((e) => [e.edge, e.applied]), [['late', true]]);
  } finally {
    await h.close();
  }
});

test('receipt after a control-plane restart stays pending until edges from the old run reported or their leases ran out', async () => {
  const storage = new MemoryLogStorage();
  const clock = new FakeClock();
  const first = await startControlPlane({ storage, clock, config: { leaseMs: LEASE_MS, leaseGraceMs: GRACE_MS } });
  const { id, seq } = await first.purge({ kind: 'key', values: ['k'] });
  await first.close();

  const second = await startControlPlane({ storage, clock, config: { leaseMs: LEASE_MS, leaseGraceMs: GRACE_MS } });
  try {
    let r = await receipt(second, id);
    assert.is(r.state, 'pending', 'an edge the old run leased may still be serving');
    assert.equal(r.edges, []);
    const s = await second.stream(`edge=e1&after=0&log=test-log`);
    await s.purges(1);
    await second.send('POST', '/acks', { edge: 'e1', appliedSeq: seq });
    r = await receipt(second, id);
    assert.is(r.state, 'pending', 'still inside the old run\'s lease window');
    second.timers.advance(LEASE_MS + GRACE_MS);
    r = await receipt(second, id);
    assert.is(r.state, 'complete');
  } finally {
    await second.close();
  }
});

test('a purge accepted just after a restart also stays pending: an edge the old run leased may not have reconnected yet', async () => {
  const storage = new MemoryLogStorage();
  const clock = new FakeClock();
  const first = await startControlPlane({ storage, clock, config: { leaseMs: LEASE_MS, leaseGraceMs: GRACE_MS } });
  await first.close();
  const second = await startControlPlane({ storage, clock, config: { leaseMs: LEASE_MS, leaseGraceMs: GRACE_MS } });
  try {
    const { id } = await second.purge({ kind: 'key', values: ['new'] });
    assert.is((await receipt(second, id)).state, 'pending', 'no edge has reported to this process yet');
    second.timers.advance(LEASE_MS + GRACE_MS);
    assert.is((await receipt(second, id)).state, 'complete');
  } finally {
    await second.close();
  }
});

test('receipt for a purge older than the retained log is gone (410)', async () => {
  const h = await startControlPlane({ config: { log: { retainCount: 2 } } });
  try {
    const first = await h.purge({ kind: 'all' });
    await h.purge({ kind: 'all' });
    await h.purge({ kind: 'all' });
    const reply = await h.send('GET', `/purges/${first.id}`);
    assert.is(reply.status, 410);
    assert.match(reply.body.error, /older than the retained log/);
  } finally {
    await h.close();
  }
});

test.run();
