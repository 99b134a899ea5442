/**
 * The simulator's disk faults reach the real purge log through its LogStorage seam: a failed
 * fsync stops appends, and a crash mid-sync on a torn disk leaves half a record that the next
 * open cuts off. Both hit their coverage marks.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { recordMarks } from '../../../common/coverage-marks.js';
import { openMemoryPurgeLog } from '../../../control-plane/purge-log.js';
import { FaultyLogStorage } from '../../../sim/kernel/faulty-log-storage.js';
import { ManualTimers } from '../../support/manual-timers.js';

const purge = { kind: 'url' as const, values: ['example.com/a'], soft: false };

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

test('a torn disk keeps half of the sync a crash interrupted; the next open cuts it and marks it', async () => {
  const timers = new ManualTimers();
  const storage = new FaultyLogStorage(() => timers);
  const log = await openMemoryPurgeLog({}, storage);
  await log.append(purge, 0);
  storage.setMode('torn', 100);
  void log.append(purge, 0);
  await new Promise((r) => setImmediate(r));
  assert.is(timers.pending(), 1, 'the sync waits on the slow disk');
  const before = storage.inner.durable.length;
  storage.crashed();
  assert.ok(storage.inner.durable.length > before, 'half the record reached the disk');
  const stop = recordMarks();
  const reopened = await openMemoryPurgeLog({}, storage);
  const marks = stop();
  assert.is(reopened.lastSeq(), 1, 'the torn record is not read back');
  assert.is(marks.get('log-torn-tail-repaired'), 1);
});

test('a failed fsync refuses the append and every later one, and marks it', async () => {
  const storage = new FaultyLogStorage(() => new ManualTimers());
  const log = await openMemoryPurgeLog({}, storage);
  storage.setMode('fsync-fail');
  const stop = recordMarks();
  assert.match(await rejection(log.append(purge, 0)), /storage failed/);
  storage.setMode('ok');
  assert.match(await rejection(log.append(purge, 0)), /storage failed/);
  assert.is(stop().get('log-fsync-failed'), 1);
});

test('a slow disk delays the acknowledgement by its delay on the given timers', async () => {
  const timers = new ManualTimers();
  const storage = new FaultyLogStorage(() => timers);
  const log = await openMemoryPurgeLog({}, storage);
  storage.setMode('slow', 250);
  let acked = false;
  const appended = log.append(purge, 0).then(() => (acked = true));
  await new Promise((r) => setImmediate(r));
  timers.advance(249);
  await new Promise((r) => setImmediate(r));
  assert.is(acked, false);
  timers.advance(1);
  await appended;
  assert.is(acked, true);
});

test.run();
