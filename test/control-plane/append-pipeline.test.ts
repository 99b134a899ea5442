/**
 * The leader's pipelined appends (control-plane/etcd/append-pipeline.ts) through the etcd purge
 * log over an in-memory etcd whose append transactions the test holds and releases in the order
 * it chooses: a batch that fails in the middle makes its successors fail, and all are renumbered
 * in order; a batch that reaches etcd before its predecessor is re-sent with the same numbers;
 * unknown outcomes and a leader losing etcd mid-pipeline acknowledge nothing that did not commit.
 * Every test checks: seqs 1..n each once in etcd, each purge stored once, the appender's acks in
 * seq order, and every ack's record already in etcd when the ack arrived.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord, PurgeRequest } from '../../common/control-protocol.js';
import type { Logger } from '../../common/ports.js';
import { ETCD_LOG_DEFAULTS, EtcdPurgeLog, etcdKeys } from '../../control-plane/etcd/etcd-purge-log.js';
import { FakeClock } from '../support/fake-clock.js';
import { GatedEtcd } from './support/gated-etcd.js';
import { ManualTimers } from './support/manual-timers.js';
import { MemoryEtcd } from './support/memory-etcd.js';
import { storedPurges } from './support/stored-purges.js';

const quiet: Logger = { log: () => undefined };
const keys = etcdKeys('/t/');

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

function setup() {
  const etcd = new MemoryEtcd();
  const gate = new GatedEtcd(etcd);
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  let ids = 0;
  /** pipelineMinRecords 1 unless said: every burst is its own transaction, to exercise the chain. */
  const open = (replicaId: string, gated: boolean, maxTxnsInFlight = 4, pipelineMinRecords = 1) =>
    EtcdPurgeLog.open(
      { kv: gated ? gate.client() : etcd.client(), clock, timers, logger: quiet },
      { ...ETCD_LOG_DEFAULTS, maxTxnsInFlight, pipelineMinRecords, prefix: '/t/', replicaId, incarnation: 'i1', retainCount: 1000, maxPendingAppends: 10_000, newLogId: () => `log-${++ids}` },
    );
  /** What each ack looked like when it arrived, in arrival order. */
  const acks: Array<{ name: string; seq: number; inEtcd: boolean }> = [];
  const failures: Array<{ name: string; code: string }> = [];
  const append = (log: EtcdPurgeLog, name: string): Promise<PurgeRecord | undefined> =>
    log.append({ kind: 'url', values: [`example.com/${name}`], soft: false } satisfies PurgeRequest, 1).then(
      (record) => {
        const stored = storedPurges(etcd, '/t/').find((r) => r.seq === record.seq);
        acks.push({ name, seq: record.seq, inEtcd: stored !== undefined && stored.values[0] === `example.com/${name}` });
        return record;
      },
      (err: { code?: string }) => {
        failures.push({ name, code: err.code ?? 'none' });
        return undefined;
      },
    );
  /** Queues `names` as one burst, which the leader sends as one batch (one transaction). */
  const burst = async (log: EtcdPurgeLog, names: string[]) => {
    const pending = names.map((n) => append(log, n));
    await settle(2);
    return pending;
  };
  const run = async (ms: number, step = 100) => {
    for (let t = 0; t < ms; t += step) {
      timers.advance(step);
      await settle(5);
    }
  };
  /** Every purge in etcd, by seq: the name each carries. */
  const stored = (): string[] => storedPurges(etcd, '/t/').map((record) => record.values[0]!.replace('example.com/', ''));
  return { etcd, gate, open, acks, failures, burst, run, stored };
}

/** Gap-free, each name once; returns the names in seq order. */
function assertLogSound(etcd: MemoryEtcd, stored: string[], expectedCount: number): void {
  assert.is(etcd.data.get(keys.lastSeq)?.value, String(expectedCount), 'last-seq counts every purge');
  assert.is(stored.length, expectedCount, 'one key per seq, none skipped');
  assert.is(new Set(stored).size, stored.length, 'no purge stored twice');
  assert.equal(storedPurges(etcd, '/t/').map((r) => r.seq), Array.from({ length: expectedCount }, (_, i) => i + 1), 'every seq in etcd, in key order');
}

function assertAcksInOrder(acks: Array<{ seq: number; inEtcd: boolean }>): void {
  const seqs = acks.map((a) => a.seq);
  assert.equal(seqs, [...seqs].sort((a, b) => a - b), 'acks arrive in seq order');
  assert.ok(acks.every((a) => a.inEtcd), 'no ack before its own record was committed');
}

test('several transactions in flight at once, each comparing on the last-seq its predecessor writes', async () => {
  const { gate, open, burst, acks, etcd, stored } = setup();
  const a = await open('a', true);
  const pending = [...(await burst(a, ['a1', 'a2'])), ...(await burst(a, ['b1'])), ...(await burst(a, ['c1', 'c2', 'c3'])), ...(await burst(a, ['d1'])), ...(await burst(a, ['e1']))];
  assert.equal(gate.held().map((t) => t.afterSeq), [0, 2, 3, 6], 'four in flight, chained; the fifth waits for a slot');
  while (gate.held().length > 0) {
    gate.release(0);
    await settle();
  }
  await Promise.all(pending);
  assert.equal(acks.map((x) => `${x.name}@${x.seq}`), ['a1@1', 'a2@2', 'b1@3', 'c1@4', 'c2@5', 'c3@6', 'd1@7', 'e1@8']);
  assertAcksInOrder(acks);
  assertLogSound(etcd, stored(), 8);
  await a.close();
});

test('a batch that fails in the middle: its successors fail too and all are renumbered in order, no gap, no duplicate', async () => {
  const { gate, open, burst, acks, etcd, stored, failures } = setup();
  const a = await open('a', true);
  const b = await open('b', false);
  const pending = [...(await burst(a, ['a1', 'a2'])), ...(await burst(a, ['b1', 'b2'])), ...(await burst(a, ['c1'])), ...(await burst(a, ['d1', 'd2']))];
  assert.equal(gate.held().map((t) => t.afterSeq), [0, 2, 4, 5]);
  gate.release(0);
  await settle();
  // Another writer takes seq 3 before batch 2 (numbered 3-4) arrives: 2, 3 and 4 all fail.
  const other = await b.append({ kind: 'url', values: ['example.com/x'], soft: false }, 1);
  assert.is(other.seq, 3);
  for (let i = 0; i < 3; i++) gate.release(0);
  await settle();
  assert.is(acks.length, 2, 'only the first batch is answered');
  // The head is renumbered after seq 3 and sent again; nothing new is launched on the broken chain.
  assert.equal(gate.held().map((t) => t.afterSeq), [3]);
  while (gate.held().length > 0) {
    gate.release(0);
    await settle();
  }
  await Promise.all(pending);
  assert.equal(failures, []);
  assert.equal(acks.map((x) => `${x.name}@${x.seq}`), ['a1@1', 'a2@2', 'b1@4', 'b2@5', 'c1@6', 'd1@7', 'd2@8'], 'renumbered in launch order after the other writer');
  assertAcksInOrder(acks);
  assertLogSound(etcd, stored(), 8);
  await Promise.all([a.close(), b.close()]);
});

test('a batch that reaches etcd before its predecessor is sent again with the same numbers', async () => {
  const { gate, open, burst, acks, etcd, stored } = setup();
  const a = await open('a', true);
  const pending = [...(await burst(a, ['a1'])), ...(await burst(a, ['b1', 'b2'])), ...(await burst(a, ['c1']))];
  gate.release(2); // the third arrives first: last-seq is 0, not 3
  gate.release(1); // then the second: last-seq is 0, not 1
  await settle();
  assert.equal(acks, []);
  gate.release(0);
  await settle();
  assert.equal(gate.held().map((t) => t.afterSeq), [1], 'the early ones wait for their turn, numbers unchanged');
  while (gate.held().length > 0) {
    gate.release(0);
    await settle();
  }
  await Promise.all(pending);
  assert.equal(acks.map((x) => `${x.name}@${x.seq}`), ['a1@1', 'b1@2', 'b2@3', 'c1@4']);
  assertAcksInOrder(acks);
  assertLogSound(etcd, stored(), 4);
  await a.close();
});

test('the counters (read by /metrics and the purge bench) say how many batches overlapped and how many answers were compare failures', async () => {
  const { gate, open, burst } = setup();
  const a = await open('a', true);
  const pending = [...(await burst(a, ['a1'])), ...(await burst(a, ['b1', 'b2'])), ...(await burst(a, ['c1']))];
  gate.release(1); // the second arrives first: a compare failure; it is re-sent once the first committed
  await settle();
  // In launch order from here: the first commits; the third, sent before the second's re-send,
  // now arrives early too (one reordering costs every batch already behind it a re-send).
  while (gate.held().length > 0) {
    gate.release(0);
    await settle();
  }
  await Promise.all(pending);
  assert.equal(a.appendCounters(), { batches: 3, purges: 4, launchedBesideAnother: 2, compareFailures: 2, unknownOutcomes: 0 });
  await a.close();
});

test('leader loses etcd mid-pipeline while another replica appends: lost replies are found by tag, lost requests renumbered, nothing acked that did not commit', async () => {
  const { gate, open, burst, acks, etcd, stored, run, failures } = setup();
  const a = await open('a', true);
  const b = await open('b', false);
  const pending = [...(await burst(a, ['a1'])), ...(await burst(a, ['b1', 'b2'])), ...(await burst(a, ['c1'])), ...(await burst(a, ['d1']))];
  gate.release(0);
  gate.release(0, 'lost-reply'); // b1,b2 committed as 2-3, but the leader does not know
  gate.release(0, 'lost-request'); // c1 never reached etcd
  await settle();
  assert.equal(acks.map((x) => x.name), ['a1'], 'neither batch of unknown outcome is acknowledged');
  await b.append({ kind: 'url', values: ['example.com/x'], soft: false }, 1); // takes seq 4 (c1's number)
  gate.release(0); // d1 (after 4) arrives first: last-seq is 4, so... it commits as 5
  await settle();
  await run(1000, 50);
  while (gate.held().length > 0) {
    gate.release(0);
    await settle();
    await run(300, 50);
  }
  await Promise.all(pending);
  assert.equal(failures, []);
  const seqOf = Object.fromEntries(acks.map((x) => [x.name, x.seq]));
  assert.equal([seqOf['a1'], seqOf['b1'], seqOf['b2']], [1, 2, 3], 'the batch whose reply was lost keeps its seqs (found by its tag)');
  assert.ok(seqOf['c1']! > 4, 'the lost request was renumbered after the other writer');
  assertAcksInOrder(acks);
  assertLogSound(etcd, stored(), 6);
  await Promise.all([a.close(), b.close()]);
});

test('an attempt that timed out but lands later in etcd: its batch keeps its numbers until an answer rules it out, so it is stored once', async () => {
  const { gate, open, burst, acks, etcd, stored, run } = setup();
  const a = await open('a', true);
  const pending = [...(await burst(a, ['a1'])), ...(await burst(a, ['b1']))];
  gate.timeOut(1); // b1's first attempt (after 1): the leader gives up, etcd still holds it
  await run(300, 50); // retried with the same numbering
  assert.equal(gate.held().map((t) => t.afterSeq), [0, 1, 1]);
  gate.release(2); // the retry arrives before a1: early (last-seq 0), not final
  await settle();
  gate.release(0); // a1 commits as 1
  await settle();
  assert.equal(gate.held().map((t) => t.afterSeq), [1, 1], 'b1 heads the chain and is sent again with the same numbers, not renumbered');
  gate.release(0); // the first, timed-out attempt lands now and commits b1 as 2
  await settle();
  gate.release(0); // the third attempt fails and finds b1's tag at seq 2
  await settle();
  await Promise.all(pending);
  assert.equal(acks.map((x) => `${x.name}@${x.seq}`), ['a1@1', 'b1@2']);
  assertAcksInOrder(acks);
  assertLogSound(etcd, stored(), 2);
  await a.close();
});

test('leader shuts down mid-pipeline: committed batches are answered, the rest refused as closed, none acked without a commit', async () => {
  const { gate, open, burst, acks, failures, etcd } = setup();
  const a = await open('a', true);
  const pending = [...(await burst(a, ['a1'])), ...(await burst(a, ['b1'])), ...(await burst(a, ['c1']))];
  gate.release(0);
  gate.release(0, 'lost-request');
  await settle();
  const closing = a.close();
  gate.release(0); // compares on 2, which was never written: fails, and is not retried
  await settle();
  await closing;
  await Promise.all(pending);
  assert.equal(acks.map((x) => `${x.name}@${x.seq}`), ['a1@1']);
  assert.equal(failures.map((f) => `${f.name}:${f.code}`).sort(), ['b1:closed', 'c1:closed']);
  assert.is(etcd.data.get(keys.lastSeq)?.value, '1');
  assertAcksInOrder(acks);
});

test('maxTxnsInFlight 1 keeps the old behaviour: one transaction at a time', async () => {
  const { gate, open, burst } = setup();
  const a = await open('a', true, 1);
  const pending = [...(await burst(a, ['a1'])), ...(await burst(a, ['b1'])), ...(await burst(a, ['c1']))];
  assert.is(gate.held().length, 1);
  gate.release(0);
  await settle();
  assert.equal(gate.held().map((t) => t.afterSeq), [1], 'the two waiting purges go in one batch');
  gate.release(0);
  await Promise.all(pending);
  await a.close();
});

test('with a transaction in flight, a small batch waits to grow; pipelineMinRecords purges waiting start another at once', async () => {
  const { gate, open, burst } = setup();
  const a = await open('a', true, 4, 3);
  const pending = [...(await burst(a, ['a1'])), ...(await burst(a, ['b1'])), ...(await burst(a, ['c1']))];
  assert.equal(gate.held().map((t) => t.afterSeq), [0], 'an idle leader sends at once; two purges wait behind it');
  pending.push(...(await burst(a, ['d1'])));
  assert.equal(gate.held().map((t) => t.afterSeq), [0, 1], 'three waiting: the second transaction starts before the first answered');
  while (gate.held().length > 0) {
    gate.release(0);
    await settle();
  }
  assert.equal((await Promise.all(pending)).map((r) => r?.seq), [1, 2, 3, 4]);
  await a.close();
});

test.run();
