/**
 * Lease records shared through etcd (issue 15, point 3): a lease replica A grants to an edge is
 * counted by replica B (its /edges, its receipts, the lease gaps receipts derive), by a replica
 * that starts later (a takeover), and the other way round when the edge moves; the record goes
 * when its etcd lease runs out. Also: a replica behind etcd sends no lease until its watch caught up.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ControlEvent } from '../../common/control-protocol.js';
import { controlPlaneConfigWithDefaults } from '../../control-plane/config.js';
import { EdgeRegistry, type LeaseGrant } from '../../control-plane/edges.js';
import { leaseRecordTtlSeconds, SHARED_LEASES_DEFAULTS } from '../../control-plane/etcd/shared-leases.js';
import { etcdReplicas, type Replica } from './support/etcd-replicas.js';

interface EdgeLine {
  id: string;
  leaseUntilMs: number;
  leaseValid: boolean;
}
interface ReceiptBody {
  state: string;
  edges: Array<{ edge: string; applied: boolean; leaseExpired: boolean }>;
}

async function leaseView(r: Replica, edge: string): Promise<[number, boolean] | undefined> {
  const line = ((await r.call('GET', '/edges')).body as { edges: EdgeLine[] }).edges.find((e) => e.id === edge);
  return line === undefined ? undefined : [line.leaseUntilMs, line.leaseValid];
}

async function receipt(r: Replica, id: string): Promise<ReceiptBody> {
  const body = (await r.call('GET', `/purges/${id}`)).body as ReceiptBody;
  return { state: body.state, edges: body.edges.map(({ edge, applied, leaseExpired }) => ({ edge, applied, leaseExpired })) };
}

async function purge(r: Replica, value: string): Promise<string> {
  const answer = await r.call('POST', '/purges', { kind: 'url', values: [value] });
  assert.is(answer.status, 202);
  return (answer.body as { id: string }).id;
}

const leases = (events: ControlEvent[]) => events.filter((e) => e.event === 'lease');

test('a lease replica A grants is counted by replica B: /edges, receipts and the lapse, and back when the edge moves to B', async () => {
  const { replica, run, config } = etcdReplicas();
  const [a, b] = [await replica('a'), await replica('b')];
  await run(600); // both have checked their watch against etcd: they may lease
  const onA = a.recordStream('e1');
  assert.is(leases(onA.events).length, 1, 'A leased e1 once the stream caught up');
  await run(500);
  const fromA = await leaseView(a, 'e1');
  assert.ok(fromA?.[1], 'A counts e1 as leased');
  assert.equal(await leaseView(b, 'e1'), fromA, 'B counts the same lease, to the same millisecond');

  // A purge e1 has not applied while it holds the lease: pending on both replicas. (Past B's
  // start-up uncertainty first, which would hold every receipt pending there anyway.)
  await run(config.leaseMs + config.leaseGraceMs);
  const p1 = await purge(a, 'example.com/1');
  await run(500);
  const held = await receipt(a, p1);
  assert.equal(held, { state: 'pending', edges: [{ edge: 'e1', applied: false, leaseExpired: false }] });
  assert.equal(await receipt(b, p1), held, 'B waits for e1 exactly as A does');

  // e1 goes away from A; nobody renews its lease. Past the lease and its grace, both count the lapse.
  onA.session.closedByPeer();
  await run(config.leaseMs + config.leaseGraceMs + 500);
  const lapsed = await receipt(a, p1);
  assert.equal(lapsed, { state: 'complete-with-expired-leases', edges: [{ edge: 'e1', applied: false, leaseExpired: true }] });
  assert.equal(await receipt(b, p1), lapsed);

  // e1 comes back through B, resuming where it was. B's grant reaches A: a purge accepted now
  // waits for e1 on A too.
  const onB = b.recordStream('e1', 0);
  assert.is(leases(onB.events).length, 1);
  const p2 = await purge(b, 'example.com/2');
  await run(500);
  const again = await receipt(b, p2);
  assert.equal(again.edges, [{ edge: 'e1', applied: false, leaseExpired: false }]);
  assert.equal(await receipt(a, p2), again, 'A counts the lease B granted');
  assert.equal(await receipt(a, p1), lapsed, 'and still the lapse before it, which B recorded too');
  assert.equal(await receipt(b, p1), lapsed);
  await Promise.all([a.close(), b.close()]);
});

test('a replica that starts after the grant (a takeover) reads the lease records and counts the edge as leased', async () => {
  const { replica, run } = etcdReplicas();
  const a = await replica('a');
  await run(600);
  a.recordStream('e1');
  await run(500);
  await a.close(); // A dies; e1 still holds the lease A granted
  const c = await replica('c');
  const view = await leaseView(c, 'e1');
  assert.ok(view?.[1], 'c counts e1 as leased without hearing from it');
  await c.close();
});

test('without shared leases (the control for the tests above) B does not know the edge A leased', async () => {
  const { replica, run } = etcdReplicas();
  const a = await replica('a', { shareLeases: false });
  const b = await replica('b', { shareLeases: false });
  await run(600);
  a.recordStream('e1');
  await run(500);
  assert.ok((await leaseView(a, 'e1'))?.[1]);
  assert.is(await leaseView(b, 'e1'), undefined);
  await Promise.all([a.close(), b.close()]);
});

test('a lease record hangs off an etcd lease that outlives the edge lease and its grace, and goes with it', async () => {
  const { etcd, replica, run, config } = etcdReplicas();
  const a = await replica('a');
  await run(600);
  a.recordStream('e1');
  await run(500);
  const stored = etcd.data.get('/t/leases/e1');
  assert.ok(stored?.lease !== undefined, 'the record is written under an etcd lease');
  const ttlSeconds = etcd.leaseTtlSeconds(stored!.lease!)!;
  assert.is(ttlSeconds, leaseRecordTtlSeconds({ ...SHARED_LEASES_DEFAULTS, leaseMs: config.leaseMs, leaseGraceMs: config.leaseGraceMs }));
  assert.ok(ttlSeconds * 1000 >= config.leaseMs + config.leaseGraceMs + SHARED_LEASES_DEFAULTS.publishIntervalMs);
  // Closing the replica does not take the record with it: the edge still holds the lease.
  await a.close();
  assert.ok(etcd.data.has('/t/leases/e1'));
  etcd.expireLease(stored!.lease!);
  assert.not.ok(etcd.data.has('/t/leases/e1'), 'gone once its etcd lease ran out');
});

test('a replica whose watch is behind etcd sends an edge no lease until it caught up, and then after the purges', async () => {
  const { etcd, replica, run } = etcdReplicas();
  const [a, b] = [await replica('a'), await replica('b')];
  await run(600);
  etcd.holdWatches = true;
  await purge(a, 'example.com/1');
  await run(2_000); // b's checks find its watch behind etcd's last-seq
  const onB = b.recordStream('e1');
  await run(500);
  assert.equal(leases(onB.events), [], 'no lease from a replica behind the log');
  etcd.releaseWatches();
  await run(600);
  const kinds = onB.events.map((e) => e.event).filter((k) => k === 'purge' || k === 'lease');
  assert.equal(kinds.slice(0, 2), ['purge', 'lease'], 'the lease comes once caught up, after the purge it vouches for');
  await Promise.all([a.close(), b.close()]);
});

// The registry's side, one grant at a time: what a grant from another replica changes.
const SETTINGS = { leaseMs: 1_000, leaseGraceMs: 200, health: controlPlaneConfigWithDefaults({}).health, forgetAfterMs: 60_000, maxEdges: 10, historyLimit: 10 };
const grant = (issuedAtMs: number, heldSinceMs: number): LeaseGrant => ({ edge: 'e1', issuedAtMs, leaseUntilMs: issuedAtMs + SETTINGS.leaseMs, heldSinceMs });
const rows: Array<{ name: string; grants: LeaseGrant[]; purgeAcceptedAtMs: number; nowMs: number; leaseExpired: boolean }> = [
  { name: 'a grant elsewhere covering the purge: not expired', grants: [grant(0, 0)], purgeAcceptedAtMs: 500, nowMs: 900, leaseExpired: false },
  { name: 'renewals in one unbroken run: no gap', grants: [grant(0, 0), grant(900, 0), grant(1_800, 0)], purgeAcceptedAtMs: 500, nowMs: 2_000, leaseExpired: false },
  { name: 'a later run start: the gap before it counts for purges accepted earlier', grants: [grant(0, 0), grant(2_000, 2_000)], purgeAcceptedAtMs: 500, nowMs: 2_100, leaseExpired: true },
  { name: 'a later run start does not count for purges accepted after it', grants: [grant(0, 0), grant(2_000, 2_000)], purgeAcceptedAtMs: 2_050, nowMs: 2_100, leaseExpired: false },
  { name: 'an older grant arriving late changes nothing', grants: [grant(2_000, 2_000), grant(0, 0)], purgeAcceptedAtMs: 2_050, nowMs: 2_100, leaseExpired: false },
  { name: 'the lease and grace ran out: expired', grants: [grant(0, 0)], purgeAcceptedAtMs: 500, nowMs: 1_200, leaseExpired: true },
];
for (const row of rows) {
  test(`registry, grant from another replica: ${row.name}`, () => {
    const registry = new EdgeRegistry(SETTINGS);
    for (const g of row.grants) registry.leaseGrantedElsewhere(g, g.issuedAtMs);
    const line = registry.receipt({ seq: 1, id: 'p1', kind: 'url', values: ['x'], soft: false, acceptedAtMs: row.purgeAcceptedAtMs }, row.nowMs, 0).edges[0];
    assert.is(line?.leaseExpired, row.leaseExpired);
  });
}

test('registry: every local grant is handed on with the start of its unbroken run', () => {
  const granted: LeaseGrant[] = [];
  const registry = new EdgeRegistry(SETTINGS, (g) => granted.push(g));
  registry.streamOpened('e1', {}, 0);
  registry.grantLease('e1', 0, 10);
  registry.grantLease('e1', 0, 900); // renewal before the lease ran out
  registry.grantLease('e1', 0, 3_000); // after it lapsed
  assert.equal(granted, [
    { edge: 'e1', issuedAtMs: 10, leaseUntilMs: 1_010, heldSinceMs: 10 },
    { edge: 'e1', issuedAtMs: 900, leaseUntilMs: 1_900, heldSinceMs: 10 },
    { edge: 'e1', issuedAtMs: 3_000, leaseUntilMs: 4_000, heldSinceMs: 3_000 },
  ]);
});

test.run();
