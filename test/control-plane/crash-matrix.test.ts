/**
 * The crash matrix of issue 13: cut the log at every byte offset inside its last record and its
 * terminator (and flip each byte of the last record, and a byte of an earlier one), restart, and
 * check what a restart must never do: lose a whole record, hand out a seq twice, or let the
 * receipt of a purge that was lost read `complete`. Runs over MemoryLogStorage (the same
 * DurablePurgeLog code as production) so a few hundred restarts take no disk time; the file
 * storage is covered by purge-log.test.ts and main-process.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord, Receipt } from '../../common/control-protocol.js';
import { describeOpenReport } from '../../control-plane/log/open-report.js';
import { DurablePurgeLog, MemoryLogStorage, PurgeLogError, type PurgeLogOptions } from '../../control-plane/purge-log.js';
import { controlPlaneConfigWithDefaults } from '../../control-plane/config.js';
import { ControlPlane } from '../../control-plane/control-plane.js';
import type { ControlEvent } from '../../common/control-protocol.js';
import { FakeClock } from '../support/fake-clock.js';
import { ManualTimers } from './support/manual-timers.js';
import { cpCredentials, EDGE_TOKEN, ADMIN_TOKEN, silent } from './support/harness.js';

const T0 = Date.UTC(2026, 0, 1);
let logCount = 0;
const options = (): PurgeLogOptions => ({ retainCount: 1000, maxPendingAppends: 100, newLogId: () => `log-${++logCount}` });

/** A log with three acknowledged purges, its bytes and where its last record starts. */
async function writtenLog(): Promise<{ bytes: Buffer; highWater: number; logId: string; records: PurgeRecord[]; lastRecordAt: number }> {
  const storage = new MemoryLogStorage();
  const log = await DurablePurgeLog.open(storage, options());
  const records: PurgeRecord[] = [];
  for (const value of ['example.com/a', 'example.com/b', 'example.com/é-unicode']) records.push(await log.append({ kind: 'url', values: [value], soft: false }, T0));
  await log.close();
  const bytes = storage.durable;
  const lastRecordAt = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
  return { bytes, highWater: storage.highWater!, logId: log.logId(), records, lastRecordAt };
}

interface Restarted {
  log: DurablePurgeLog;
  cp: ControlPlane;
  clock: FakeClock;
  timers: ManualTimers;
  receipt(id: string): Promise<{ status: number; body: Receipt }>;
}

async function restart(bytes: Buffer, highWater: number): Promise<Restarted> {
  const storage = new MemoryLogStorage();
  storage.durable = Buffer.from(bytes);
  storage.highWater = highWater;
  const log = await DurablePurgeLog.open(storage, options());
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  const config = controlPlaneConfigWithDefaults({ health: { membershipAfterMs: 0 } });
  const cp = new ControlPlane({ clock, timers, log, logger: silent, config, credentials: cpCredentials() });
  const receipt = async (id: string) => {
    const answer = await cp.handle({ method: 'GET', target: `/purges/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: answer.status, body: answer.body as Receipt };
  };
  return { log, cp, clock, timers, receipt };
}

/**
 * An edge that had applied everything before the crash resumes under the old log id, applies
 * what it is sent (a flush, when the log started over), acks it, and time passes beyond every
 * lease the previous process could have granted: a receipt that can ever complete has now.
 */
async function edgeCatchesUp(r: Restarted, oldLogId: string, appliedSeq: number): Promise<ControlEvent[]> {
  const events: ControlEvent[] = [];
  const opened = r.cp.openStream(
    { method: 'GET', target: `/stream?edge=e1&after=${appliedSeq}&log=${oldLogId}&region=eu&url=http://127.0.0.1:1`, headers: { authorization: `Bearer ${EDGE_TOKEN}` } },
    { write: (event) => (events.push(event), true), end: () => undefined },
  );
  assert.is(opened.kind, 'stream');
  const flushed = events.find((e) => e.event === 'flush');
  const applied = flushed?.event === 'flush' ? flushed.data.upToSeq : Math.max(appliedSeq, ...events.flatMap((e) => (e.event === 'purge' ? [e.data.seq] : [])));
  const ack = await r.cp.handle({ method: 'POST', target: '/acks', headers: { authorization: `Bearer ${EDGE_TOKEN}` }, body: Buffer.from(JSON.stringify({ edge: 'e1', appliedSeq: applied })) });
  assert.is(ack.status, 200, JSON.stringify(ack.body));
  r.timers.advance(60_000);
  return events;
}

test('cut at every byte offset inside the last record and its terminator', async () => {
  const w = await writtenLog();
  const [r1, r2, r3] = w.records as [PurgeRecord, PurgeRecord, PurgeRecord];
  let dropped = 0;
  for (let cut = w.lastRecordAt; cut <= w.bytes.length; cut++) {
    const at = `cut at ${cut} of ${w.bytes.length}`;
    const r = await restart(w.bytes.subarray(0, cut), w.highWater);
    // Whole records before the cut are all there.
    assert.equal(r.log.get(1), r1, at);
    assert.equal(r.log.get(2), r2, at);
    // Missing only its newline (or nothing missing) counts as whole.
    const whole = cut >= w.bytes.length - 1;
    if (whole) {
      assert.equal(r.log.get(3), r3, at);
      assert.is(r.log.logId(), w.logId, at);
      assert.is(r.log.report.newLog, undefined, at);
    } else {
      dropped++;
      assert.ok(r.log.lost(3), `${at}: seq 3 is marked lost, not reissued`);
      assert.ok(r.log.get(3)?.id !== r3.id, at);
      assert.ok(r.log.logId() !== w.logId, `${at}: a log that lost an acknowledged purge gets a new id`);
      assert.is(r.log.report.dropped === undefined, cut === w.lastRecordAt, `${at}: a cut through the record is reported as dropped`);
      const line = describeOpenReport(r.log.report, r.log.logId());
      assert.ok(line !== undefined && !line.includes('\n'), `${at}: one line`);
      assert.match(line!, /may have been acknowledged but only seq 2 was found/);
    }
    // No seq is handed out twice: the next purge is above every one acknowledged before.
    const next = await r.log.append({ kind: 'all', values: [], soft: false }, T0 + 1);
    assert.is(next.seq, 4, at);
    const events = await edgeCatchesUp(r, w.logId, 3);
    const flush = events.find((e) => e.event === 'flush');
    if (whole) assert.is(flush, undefined, `${at}: nothing lost, the edge resumes without a flush`);
    else assert.equal(flush?.data, { upToSeq: 4, reason: 'log-changed' }, `${at}: an edge that may have seen the lost purge resynchronizes through a flush`);
    const lost = await r.receipt(r3.id);
    if (whole) assert.is(lost.body.state, 'complete', `${at}: a kept purge completes (so this check can fail)`);
    else {
      assert.ok(lost.status !== 200 || lost.body.state !== 'complete', `${at}: the lost purge's receipt never reads complete (got ${lost.status} ${JSON.stringify(lost.body)})`);
      assert.is(lost.status, 410, at);
    }
    assert.is((await r.receipt(r2.id)).body.state, 'complete', `${at}: the receipts of whole records before the cut still answer`);
    const fresh = await r.receipt(next.id);
    assert.is(fresh.body.state, 'complete', `${at}: receipts still complete after a restart`);
    r.cp.close();
    await r.log.close();
  }
  assert.ok(dropped > 50, `${dropped} cuts went through the last record`);
});

test('a flipped byte anywhere inside the last record drops it, never reissuing its seq', async () => {
  const w = await writtenLog();
  for (let at = w.lastRecordAt; at < w.bytes.length - 1; at++) {
    const damaged = Buffer.from(w.bytes);
    damaged[at] = damaged[at]! ^ 0xff;
    const r = await restart(damaged, w.highWater);
    assert.is(r.log.lastSeq(), 3, `flip at ${at}`);
    assert.ok(r.log.lost(3), `flip at ${at}`);
    assert.equal(r.log.get(2), w.records[1], `flip at ${at}: the records before it stay`);
    assert.ok(r.log.report.dropped !== undefined, `flip at ${at} reported`);
    assert.is((await r.log.append({ kind: 'all', values: [], soft: false }, T0)).seq, 4);
    await edgeCatchesUp(r, w.logId, 3);
    const lost = await r.receipt(w.records[2]!.id);
    assert.ok(lost.status !== 200 || lost.body.state !== 'complete', `flip at ${at}`);
    r.cp.close();
    await r.log.close();
  }
});

test('a flipped byte inside an earlier record refuses to start, naming the offset', async () => {
  const w = await writtenLog();
  const secondRecordAt = w.bytes.lastIndexOf(0x0a, w.lastRecordAt - 2) + 1;
  for (const at of [secondRecordAt, secondRecordAt + 5, secondRecordAt + 20, w.lastRecordAt - 2]) {
    const damaged = Buffer.from(w.bytes);
    damaged[at] = damaged[at]! ^ 0xff;
    const storage = new MemoryLogStorage();
    storage.durable = damaged;
    storage.highWater = w.highWater;
    const err = await DurablePurgeLog.open(storage, options()).then(() => undefined, (e: unknown) => e);
    assert.instance(err, PurgeLogError, `flip at ${at}`);
    assert.is((err as PurgeLogError).code, 'corrupt');
    assert.is((err as PurgeLogError).offset, secondRecordAt, `flip at ${at}: the damaged record's offset`);
    assert.match((err as Error).message, new RegExp(`byte offset ${secondRecordAt} `));
  }
});

test.run();
