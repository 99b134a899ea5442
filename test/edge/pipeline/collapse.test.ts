/** The collapse lock on its own: one writer, woken waiters, bounded waits. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TimerHandle, Timers } from '../../../common/ports.js';
import { CollapseLocks } from '../../../edge/pipeline/collapse.js';

class ManualTimers implements Timers {
  pending: Array<{ fn: () => void; cancelled: boolean }> = [];
  after(_delayMs: number, fn: () => void): TimerHandle {
    const entry = { fn, cancelled: false };
    this.pending.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }
  fireAll(): void {
    for (const t of this.pending.splice(0)) if (!t.cancelled) t.fn();
  }
}

test('the first acquirer writes; later ones wait and are woken with the writer\'s reason', async () => {
  const locks = new CollapseLocks(new ManualTimers(), 1000);
  const writer = locks.acquire('k');
  const a = locks.acquire('k');
  const b = locks.acquire('k');
  assert.is(writer.role, 'writer');
  assert.is(a.role, 'waiter');
  assert.is(b.role, 'waiter');
  if (writer.role !== 'writer' || a.role !== 'waiter' || b.role !== 'waiter') return;
  writer.release({ reason: 'stored' });
  assert.equal(await a.wake, { reason: 'stored' });
  assert.equal(await b.wake, { reason: 'stored' });
  assert.is(locks.acquire('k').role, 'writer', 'the key is free again');
});

test('release is idempotent: the first reason wins', async () => {
  const locks = new CollapseLocks(new ManualTimers(), 1000);
  const writer = locks.acquire('k');
  const waiter = locks.acquire('k');
  if (writer.role !== 'writer' || waiter.role !== 'waiter') throw new Error('roles');
  writer.release({ reason: 'uncacheable' });
  writer.release({ reason: 'abandoned' });
  assert.equal(await waiter.wake, { reason: 'uncacheable' });
});

test('a waiter whose bound passes is woken with timeout and leaves the queue', async () => {
  const timers = new ManualTimers();
  const locks = new CollapseLocks(timers, 1000);
  const writer = locks.acquire('k');
  const waiter = locks.acquire('k');
  if (writer.role !== 'writer' || waiter.role !== 'waiter') throw new Error('roles');
  timers.fireAll();
  const woken = await waiter.wake;
  assert.is(woken.reason, 'timeout');
  assert.ok(woken.stuck !== undefined, 'names the writer it waited for, for takeOver');
  writer.release({ reason: 'stored' });
  assert.is(locks.acquire('k').role, 'writer', 'the key is free again');
});

test('takeover: the first timed-out waiter becomes writer; later ones wait for it, not for the stuck writer', async () => {
  const timers = new ManualTimers();
  const locks = new CollapseLocks(timers, 1000);
  const stuck = locks.acquire('k');
  const a = locks.acquire('k');
  const b = locks.acquire('k');
  if (stuck.role !== 'writer' || a.role !== 'waiter' || b.role !== 'waiter') throw new Error('roles');
  timers.fireAll();
  const wakeA = await a.wake;
  const wakeB = await b.wake;
  const taken = locks.takeOver('k', wakeA.stuck!);
  assert.is(taken.role, 'writer', 'a takes over');
  const bAgain = locks.takeOver('k', wakeB.stuck!);
  assert.is(bAgain.role, 'waiter', 'b waits for a, it does not take over again');
  if (taken.role !== 'writer' || bAgain.role !== 'waiter') return;
  stuck.release({ reason: 'uncacheable' });
  let bWoken = false;
  void bAgain.wake.then(() => (bWoken = true));
  await Promise.resolve();
  assert.is(bWoken, false, 'the stuck writer ending without storing does not wake the new generation');
  assert.is(locks.acquire('k').role, 'waiter', 'the key stays with the new writer');
  taken.release({ reason: 'stored' });
  assert.equal(await bAgain.wake, { reason: 'stored' });
  assert.is(locks.acquire('k').role, 'writer', 'the key is free again');
});

test('a taken-over writer that stores its answer wakes the new generation too: they can use it', async () => {
  const timers = new ManualTimers();
  const locks = new CollapseLocks(timers, 1000);
  const stuck = locks.acquire('k');
  const a = locks.acquire('k');
  const b = locks.acquire('k');
  if (stuck.role !== 'writer' || a.role !== 'waiter' || b.role !== 'waiter') throw new Error('roles');
  timers.fireAll();
  const taken = locks.takeOver('k', (await a.wake).stuck!);
  const bAgain = locks.takeOver('k', (await b.wake).stuck!);
  if (taken.role !== 'writer' || bAgain.role !== 'waiter') throw new Error('roles');
  stuck.release({ reason: 'stored' });
  assert.equal(await bAgain.wake, { reason: 'stored' });
  taken.release({ reason: 'stored' });
  assert.is(locks.acquire('k').role, 'writer', 'the key is free again');
});

test('takeover after the stuck writer already finished just starts a new writer', () => {
  const locks = new CollapseLocks(new ManualTimers(), 1000);
  const first = locks.acquire('k');
  if (first.role !== 'writer') throw new Error('roles');
  const token = {};
  first.release({ reason: 'stored' });
  assert.is(locks.takeOver('k', token).role, 'writer');
});

test('keys are independent', () => {
  const locks = new CollapseLocks(new ManualTimers(), 1000);
  assert.is(locks.acquire('a').role, 'writer');
  assert.is(locks.acquire('b').role, 'writer');
});

test.run();
