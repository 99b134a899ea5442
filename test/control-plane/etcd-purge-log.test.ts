/**
 * The etcd store's purge log over an in-memory etcd (real etcd runs in `npm run test:ha`):
 * several replicas appending at once get one gap-free sequence and one logId; an append whose
 * reply was lost is neither lost nor written twice; a lagging replica holds reads and leases back
 * until it has caught up; compacted watch history is re-read without a flush; purges deleted by
 * retention while a replica was away make only readers that old flush.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord, PurgeRequest } from '../../common/control-protocol.js';
import type { Logger } from '../../common/ports.js';
import { ETCD_LOG_DEFAULTS, EtcdPurgeLog, etcdKeys, type EtcdPurgeLogOptions, type ForwardResult } from '../../control-plane/etcd/etcd-purge-log.js';
import { PurgeLogError } from '../../control-plane/purge-log.js';
import { startingPoint } from '../../control-plane/streams.js';
import { FakeClock } from '../support/fake-clock.js';
import { ManualTimers } from './support/manual-timers.js';
import { MemoryEtcd } from './support/memory-etcd.js';
import { batchKeyCount, storedPurges } from './support/stored-purges.js';

const quiet: Logger = { log: () => undefined };
const req = (n: number): PurgeRequest => ({ kind: 'url', values: [`example.com/${n}`], soft: false });

/** Lets promise chains and queued watch deliveries run; no real time passes. */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

function setup() {
  const etcd = new MemoryEtcd();
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  let ids = 0;
  /** Replicas by advertised URL, for the in-memory forwarding below. */
  const byUrl = new Map<string, EtcdPurgeLog>();
  let forwardFault: ForwardResult | undefined;
  const forward = async (url: string, req: PurgeRequest, idempotencyKey: string | undefined): Promise<ForwardResult> => {
    if (forwardFault !== undefined) return forwardFault;
    const leader = byUrl.get(url);
    if (leader === undefined) return { kind: 'not-sent', message: 'connection refused' };
    const record = await leader.append(req, 1, idempotencyKey, { forwarded: true });
    return { kind: 'accepted', seq: record.seq, id: record.id };
  };
  const open = async (replicaId: string, over: Partial<EtcdPurgeLogOptions> = {}, withForwarding = false) => {
    const log = await EtcdPurgeLog.open(
      { kv: etcd.client(), clock, timers, logger: quiet, ...(withForwarding ? { forward } : {}) },
      { ...ETCD_LOG_DEFAULTS, prefix: '/t/', replicaId, incarnation: 'i1', retainCount: 1000, maxPendingAppends: 10_000, newLogId: () => `log-${++ids}`, ...over },
    );
    log.advertise(`http://${replicaId}.test`);
    byUrl.set(`http://${replicaId}.test`, log);
    return log;
  };
  const setForwardFault = (fault: ForwardResult | undefined) => void (forwardFault = fault);
  /** Runs timers (retries, checks) and lets what they start finish. */
  const run = async (ms: number, step = 100) => {
    for (let t = 0; t < ms; t += step) {
      timers.advance(step);
      await settle(5);
    }
  };
  return { etcd, clock, timers, open, run, byUrl, setForwardFault };
}

const seqsOf = (records: PurgeRecord[]) => records.map((r) => r.seq);

test('replicas share one logId; concurrent appends get one gap-free sequence everybody reads the same', async () => {
  const { open } = setup();
  const [a, b, c] = [await open('a'), await open('b'), await open('c')];
  assert.is(a.logId(), 'log-1');
  assert.is(b.logId(), 'log-1', 'the second replica joined the first one\'s log');
  assert.is(a.resumed(), false);
  assert.is(b.resumed(), true, 'a replica that did not create the log cannot know what others leased');
  const appends = [];
  for (let i = 0; i < 90; i++) appends.push([a, b, c][i % 3]!.append(req(i), 1000 + i));
  const records = await Promise.all(appends);
  const seqs = records.map((r) => r.seq).sort((x, y) => x - y);
  assert.equal(seqs, Array.from({ length: 90 }, (_, i) => i + 1), 'every seq once, none skipped');
  await settle();
  for (const log of [a, b, c]) {
    assert.is(log.lastSeq(), 90);
    assert.equal(seqsOf(log.readAfter(0, 1000)), seqs);
    assert.equal(log.readAfter(0, 1000).map((r) => r.values[0]), a.readAfter(0, 1000).map((r) => r.values[0]), 'same purge at every seq on every replica');
  }
  for (const record of records) assert.equal(a.get(record.seq), record, 'a 202 names the record every replica serves');
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('appends are batched: one transaction per queue, not one per purge', async () => {
  const { etcd, open } = setup();
  const a = await open('a');
  const before = etcd.txns;
  await Promise.all(Array.from({ length: 250 }, (_, i) => a.append(req(i), 1)));
  assert.ok(etcd.txns - before <= 4, `250 purges took ${etcd.txns - before} transactions`);
  assert.is(a.lastSeq(), 250);
  await a.close();
});

test('a lost reply after etcd applied the batch: the retry finds it committed, nothing is written twice', async () => {
  const { etcd, open, run } = setup();
  const a = await open('a');
  etcd.failNextTxn = 'lost-reply';
  const pending = Promise.all([a.append(req(1), 1), a.append(req(2), 1)]);
  await run(1000);
  const records = await pending;
  assert.equal(seqsOf(records), [1, 2]);
  assert.is(etcd.data.get(etcdKeys('/t/').lastSeq)?.value, '2', 'the batch is in etcd once');
  assert.is(a.lastSeq(), 2);
  await a.close();
});

test('a lost reply while another replica wrote next: no seq twice, no purge twice', async () => {
  const { etcd, open, run } = setup();
  const [a, b] = [await open('a'), await open('b')];
  etcd.failNextTxn = 'lost-reply';
  const first = a.append(req(1), 1);
  await settle(3);
  const second = b.append(req(2), 1);
  await run(1000);
  const records = await Promise.all([first, second]);
  assert.equal(seqsOf(records), [1, 2]);
  await settle();
  assert.equal(a.readAfter(0, 10).map((r) => r.values[0]), ['example.com/1', 'example.com/2']);
  await Promise.all([a.close(), b.close()]);
});

test('a lost request (nothing applied) is retried and commits once', async () => {
  const { etcd, open, run } = setup();
  const a = await open('a');
  etcd.failNextTxn = 'lost-request';
  const pending = a.append(req(1), 1);
  await run(1000);
  assert.is((await pending).seq, 1);
  assert.is(a.lastSeq(), 1);
  await a.close();
});

test('etcd unreachable: appends wait (no 202), then commit when it is back', async () => {
  const { etcd, open, run } = setup();
  const a = await open('a');
  etcd.down = true;
  let done = false;
  const pending = a.append(req(1), 1).then((r) => ((done = true), r));
  await run(2000);
  assert.is(done, false, 'no answer while etcd cannot commit');
  etcd.down = false;
  await run(1000);
  assert.is((await pending).seq, 1);
  await a.close();
});

test('a lagging replica: reads and its own 202 wait for the gap to fill; streams resume an edge ahead of it without a flush; no lease until level', async () => {
  const { etcd, open, run } = setup();
  const [a, b] = [await open('a'), await open('b')];
  await run(600);
  assert.ok(b.leaseSafe(0), 'a replica level with etcd may lease');
  etcd.holdWatches = true;
  await a.append(req(1), 1);
  let bDone = false;
  const fromB = b.append(req(2), 1).then((r) => ((bDone = true), r));
  await settle();
  assert.is(b.lastSeq(), 0, 'b has not seen seq 1 yet, so seq 2 is not readable there');
  assert.is(bDone, false, 'b answers only once its own record is readable');
  // An edge that applied seq 1 from replica a moves to b: resumed, not flushed.
  const start = startingPoint(b, { edge: 'e1', after: 1, logId: b.logId() });
  assert.equal(start, { cursor: 1, flush: undefined });
  await run(2000);
  assert.not.ok(b.leaseSafe(1), 'b is behind etcd: no lease through seq 1 from it');
  etcd.releaseWatches();
  await settle();
  assert.is((await fromB).seq, 2);
  assert.is(b.lastSeq(), 2);
  await run(600);
  assert.ok(b.leaseSafe(2), 'level again after the next check');
  // Another log's edge, or one truly ahead of every replica of a different history, still flushes.
  assert.is(startingPoint(b, { edge: 'e2', after: 1, logId: 'other' }).flush?.reason, 'log-changed');
  await Promise.all([a.close(), b.close()]);
});

test('compacted watch history: the replica re-reads the keys and catches up with no gap', async () => {
  const { etcd, open, run } = setup();
  const [a, b] = [await open('a'), await open('b')];
  await Promise.all(Array.from({ length: 5 }, (_, i) => a.append(req(i), 1)));
  await settle();
  etcd.holdWatches = true;
  await Promise.all(Array.from({ length: 5 }, (_, i) => a.append(req(10 + i), 1)));
  etcd.compactAll();
  etcd.breakWatches();
  etcd.holdWatches = false;
  await run(1000);
  assert.is(b.lastSeq(), 10);
  assert.equal(seqsOf(b.readAfter(0, 100)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.is(b.oldestRetainedSeq(), 1, 'nothing lost, so nobody flushes');
  await Promise.all([a.close(), b.close()]);
});

test('retention: the leader deletes purges past retainCount; a replica away meanwhile restarts its window and old readers flush', async () => {
  const { etcd, open, run } = setup();
  const a = await open('a', { retainCount: 10 });
  await run(600);
  assert.ok(a.isLeader(), 'the only replica holds the leader key');
  for (let i = 0; i < 4; i++) await Promise.all(Array.from({ length: 10 }, (_, j) => a.append(req(i * 10 + j), 1)));
  await run(600);
  const kept = seqsOf(storedPurges(etcd, '/t/'));
  assert.ok(kept.length <= 20, `${kept.length} purges kept in etcd for retainCount 10`);
  assert.ok(kept[0]! <= 31, `seq 31, the oldest retained, is still in etcd (kept from ${kept[0]})`);
  const late = await open('late', { retainCount: 10 });
  assert.is(late.lastSeq(), 40);
  assert.is(late.oldestRetainedSeq(), 31);
  assert.is(startingPoint(late, { edge: 'e1', after: 5, logId: late.logId() }).flush?.reason, 'behind-retention');
  assert.equal(startingPoint(late, { edge: 'e2', after: 35, logId: late.logId() }), { cursor: 35, flush: undefined });
  await Promise.all([a.close(), late.close()]);
});

test('retention deletes whole batches: the batch holding the oldest retained seq stays, so an edge within retention resumes without a flush', async () => {
  const { etcd, open, run } = setup();
  const a = await open('a', { retainCount: 10 });
  await run(600);
  // Batches 1-7, 8-14, 15-21, 22-28: retention keeps 19..28, which starts inside the batch 15-21.
  for (let i = 0; i < 4; i++) await Promise.all(Array.from({ length: 7 }, (_, j) => a.append(req(i * 7 + j), 1)));
  await run(600);
  assert.equal(seqsOf(storedPurges(etcd, '/t/')), Array.from({ length: 14 }, (_, i) => i + 15), 'batches 1-7 and 8-14 deleted, 15-21 kept whole');
  const late = await open('late', { retainCount: 10 });
  assert.is(late.oldestRetainedSeq(), 19);
  assert.equal(startingPoint(late, { edge: 'e1', after: 18, logId: late.logId() }), { cursor: 18, flush: undefined }, 'applied through 18: nothing it needs was deleted');
  assert.is(startingPoint(late, { edge: 'e2', after: 13, logId: late.logId() }).flush?.reason, 'behind-retention');
  await Promise.all([a.close(), late.close()]);
});

test('compaction on a schedule: the leader compacts to the revision it saw one interval earlier; a follower is unaffected', async () => {
  const { etcd, open, run } = setup();
  const [a, b] = [await open('a', { compactIntervalMs: 10_000 }), await open('b', { compactIntervalMs: 10_000 })];
  await run(600);
  await Promise.all(Array.from({ length: 5 }, (_, i) => a.append(req(i), 1)));
  const revisionAfterFirst = etcd.revision;
  await run(10_000);
  assert.ok(etcd.compactedRevision > 0, 'compacted after one interval');
  assert.ok(etcd.compactedRevision < revisionAfterFirst, 'only to the mark taken an interval ago: the purges since then keep their history');
  await Promise.all(Array.from({ length: 5 }, (_, i) => b.append(req(10 + i), 1)));
  await run(10_500);
  assert.ok(etcd.compactedRevision >= revisionAfterFirst, `compacted to ${etcd.compactedRevision}`);
  assert.ok(etcd.compactedRevision < etcd.revision, 'the newest interval of history stays');
  await settle();
  assert.equal(seqsOf(b.readAfter(0, 100)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  await Promise.all([a.close(), b.close()]);
});

test('the leader key follows the lease: when the leader closes, another replica takes over', async () => {
  const { open, run } = setup();
  const [a, b] = [await open('a'), await open('b')];
  await run(600);
  assert.is([a.isLeader(), b.isLeader()].filter(Boolean).length, 1, 'exactly one leader');
  const [leader, other] = a.isLeader() ? [a, b] : [b, a];
  await leader.close();
  await run(600);
  assert.ok(other.isLeader());
  await other.close();
});

test('a corrupt batch stops appends with one clear error instead of skipping a purge', async () => {
  const keys = etcdKeys('/t/');
  const record = (seq: number) => ({ seq, id: `p${seq}-1`, kind: 'url', values: [`example.com/${seq}`], soft: false, acceptedAtMs: 1 });
  const corruptions: Array<[string, string]> = [
    ['not a batch', '{"not":"a purge"}'],
    ['no purges', '{"batch":"x","purges":[]}'],
    ['first seq is not the key\'s', JSON.stringify({ batch: 'x', purges: [{ record: record(2) }, { record: record(3) }] })],
    ['a gap inside the batch', JSON.stringify({ batch: 'x', purges: [{ record: record(1) }, { record: record(3) }] })],
  ];
  for (const [what, value] of corruptions) {
    const { etcd, open } = setup();
    const a = await open('a');
    etcd.txn([], [{ put: { key: keys.batch(1), value } }, { put: { key: keys.lastSeq, value: '2' } }], []);
    await settle();
    const err = await a.append(req(1), 1).catch((e: Error) => e);
    assert.instance(err, Error, what);
    assert.match((err as Error).message, /does not hold the batch of purges its key names/, what);
    assert.is(a.lastSeq(), 0, what);
    await a.close();
  }
});

test('one etcd key per appended batch, named by its first seq, holding its purges in seq order', async () => {
  const { etcd, open } = setup();
  const a = await open('a');
  await Promise.all(Array.from({ length: 17 }, (_, i) => a.append(req(i), 1, i === 3 ? 'key-3' : undefined)));
  assert.is(batchKeyCount(etcd, '/t/'), 1, 'a transaction of 17 purges wrote one key');
  const stored = JSON.parse(etcd.data.get(etcdKeys('/t/').batch(1))!.value) as { purges: Array<{ record: PurgeRecord; idempotencyKey?: string }> };
  assert.equal(stored.purges.map((p) => p.record.seq), Array.from({ length: 17 }, (_, i) => i + 1));
  assert.is(stored.purges[3]!.idempotencyKey, 'key-3', 'the Idempotency-Key travels with its purge');
  assert.is(etcd.data.get(etcdKeys('/t/').lastSeq)?.value, '17');
  await Promise.all(Array.from({ length: 5 }, (_, i) => a.append(req(100 + i), 1)));
  assert.ok(etcd.data.has(etcdKeys('/t/').batch(18)), 'the next batch starts right after');
  assert.equal(storedPurges(etcd, '/t/').map((r) => r.seq), Array.from({ length: 22 }, (_, i) => i + 1));
  await a.close();
});

test('a replica opened later reads the batches; an edge resumes after a seq inside a batch and gets only what follows it', async () => {
  const { open } = setup();
  const a = await open('a');
  await Promise.all(Array.from({ length: 10 }, (_, i) => a.append(req(i), 1, `k${i}`)));
  await Promise.all(Array.from({ length: 10 }, (_, i) => a.append(req(10 + i), 1)));
  const b = await open('b');
  assert.is(b.lastSeq(), 20);
  assert.equal(seqsOf(b.readAfter(4, 100)), Array.from({ length: 16 }, (_, i) => i + 5), 'after seq 4 of the batch 1..10: 5 onwards');
  assert.equal(startingPoint(b, { edge: 'e1', after: 14, logId: b.logId() }), { cursor: 14, flush: undefined });
  assert.is(b.byIdempotencyKey('k7')?.record.seq, 8, 'idempotency keys read back from the batch');
  await Promise.all([a.close(), b.close()]);
});

test('reading starts at the batch holding the first seq a replica lacks, also when that batch began before it', async () => {
  const { open } = setup();
  const a = await open('a');
  await Promise.all(Array.from({ length: 10 }, (_, i) => a.append(req(i), 1)));
  // b keeps 5: it lacks 6..10 first, which live in the key of the batch 1..10, named 1.
  const b = await open('b', { retainCount: 5 });
  assert.is(b.lastSeq(), 10);
  assert.is(b.oldestRetainedSeq(), 6);
  assert.equal(seqsOf(b.readAfter(5, 100)), [6, 7, 8, 9, 10]);
  assert.equal(startingPoint(b, { edge: 'e1', after: 7, logId: b.logId() }), { cursor: 7, flush: undefined }, 'within retention: no flush');
  await Promise.all([a.close(), b.close()]);
});

test('a log written in the per-purge layout of an older build is refused with one clear line, never misread', async () => {
  const { etcd, open } = setup();
  // What an older build left: log-id, last-seq, purges/<seq> keys, and no format key.
  etcd.txn([], [
    { put: { key: '/t/log-id', value: 'old-log' } },
    { put: { key: '/t/last-seq', value: '1' } },
    { put: { key: '/t/purges/0000000000000001', value: JSON.stringify({ record: { seq: 1, id: 'p1-1', kind: 'url', values: ['example.com/1'], soft: false, acceptedAtMs: 1 }, batch: 'x' }) } },
  ], []);
  const err = await open('a').catch((e: Error) => e);
  assert.instance(err, PurgeLogError);
  assert.is((err as PurgeLogError).code, 'corrupt');
  assert.match((err as Error).message, /another layout \(no format key: one key per purge/);
  assert.match((err as Error).message, /PROTOCOL\.md/);
  assert.not.match((err as Error).message, /\n/, 'one line');
});

test('a log with an unknown format marker is refused too', async () => {
  const { etcd, open } = setup();
  etcd.txn([], [{ put: { key: '/t/log-id', value: 'future' } }, { put: { key: '/t/format', value: 'batch-keys/3' } }, { put: { key: '/t/batched-last-seq', value: '0' } }], []);
  const err = await open('a').catch((e: Error) => e);
  assert.match((err as Error).message, /format "batch-keys\/3"/);
});

test('followers forward to the leader: one replica numbers every batch, so batches do not collide on last-seq', async () => {
  const { etcd, open, run } = setup();
  const [a, b, c] = [await open('a', {}, true), await open('b', {}, true), await open('c', {}, true)];
  await run(600);
  const leader = [a, b, c].find((log) => log.isLeader())!;
  assert.ok(leader !== undefined, 'one leader elected');
  const before = etcd.txns;
  const records = await Promise.all(Array.from({ length: 300 }, (_, i) => [a, b, c][i % 3]!.append(req(i), 1)));
  assert.equal(records.map((r) => r.seq).sort((x, y) => x - y), Array.from({ length: 300 }, (_, i) => i + 1));
  assert.ok(etcd.txns - before <= 6, `300 purges from 3 replicas took ${etcd.txns - before} transactions (conflicts would retry)`);
  for (const log of [a, b, c]) for (const r of records) assert.equal(log.get(r.seq), r, 'each replica answers with the record it can read');
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('forwarding: a leader that cannot be reached means appending here; a lost answer is an error, never a guess', async () => {
  const { open, run, byUrl, setForwardFault } = setup();
  const [a, b] = [await open('a', {}, true), await open('b', {}, true)];
  await run(600);
  const follower = a.isLeader() ? b : a;
  const leaderUrl = a.isLeader() ? 'http://a.test' : 'http://b.test';
  byUrl.delete(leaderUrl); // the leader's process is gone: connection refused
  assert.is((await follower.append(req(1), 1)).seq, 1, 'appended by the follower itself');
  setForwardFault({ kind: 'failed', message: 'connection reset' });
  const err = await follower.append(req(2), 1).catch((e: Error) => e);
  assert.instance(err, PurgeLogError);
  assert.is((err as PurgeLogError).code, 'overloaded', 'the API answers 503 + Retry-After, not 202');
  await Promise.all([a.close(), b.close()]);
});

test('the same Idempotency-Key at two replicas at once: the leader answers both with the first purge\'s seq and id', async () => {
  const { etcd, open, run } = setup();
  const [a, b, c] = [await open('a', {}, true), await open('b', {}, true), await open('c', {}, true)];
  await run(600);
  const followers = [a, b, c].filter((log) => !log.isLeader());
  assert.is(followers.length, 2);
  const [first, retry, other] = await Promise.all([followers[0]!.append(req(1), 1, 'key-1'), followers[1]!.append(req(1), 1, 'key-1'), followers[1]!.append(req(1), 1, 'key-2')]);
  assert.equal([retry.seq, retry.id], [first.seq, first.id], 'the retry names the first purge');
  assert.is.not(other.seq, first.seq, 'another key is another purge');
  assert.is(etcd.data.get(etcdKeys('/t/').lastSeq)?.value, '2', 'one purge stored for key-1');
  const [one, another] = await Promise.all([followers[0]!.append(req(2), 1, 'key-3'), followers[1]!.append(req(3), 1, 'key-3')]);
  assert.is.not(another.seq, one.seq, 'a different body under the same key is not taken for the first purge');
  await Promise.all([a.close(), b.close(), c.close()]);
});

test.run();
