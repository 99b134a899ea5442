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
  assert.is(locks.inFlight(), 0);
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
  assert.equal(await waiter.wake, { reason: 'timeout' });
  writer.release({ reason: 'stored' });
  assert.is(locks.inFlight(), 0);
});

test('keys are independent', () => {
  const locks = new CollapseLocks(new ManualTimers(), 1000);
  assert.is(locks.acquire('a').role, 'writer');
  assert.is(locks.acquire('b').role, 'writer');
});

test.run();
