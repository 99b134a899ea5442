/**
 * The Clock and Timers contracts: what the edge and the control plane assume of time, stated as
 * tests and run against the real adapters (common/adapters/system-clock.ts), the simulator's
 * per-node clock and timers (sim/kernel/node.ts) and the tests' FakeClock/ManualTimers.
 *
 * No test here depends on how much real time passes: a real timer is waited for by its own
 * callback, never by a sleep, and no duration is asserted of real time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Clock, Timers } from '../../common/ports.js';

export interface ClockUnderTest {
  clock: Clock;
  /** Moves time on by `ms`, where the implementation lets a test do that; absent for the real clock. */
  advance?: (ms: number) => Promise<void>;
}

export function clockContract(name: string, make: () => ClockUnderTest): void {
  test(`${name}: the monotonic clock never goes back; wall time is a plausible Unix time in ms`, async () => {
    const { clock, advance } = make();
    let last = clock.monoMs();
    for (let i = 0; i < 1_000; i++) {
      if (advance !== undefined && i % 100 === 0) await advance(7);
      const now = clock.monoMs();
      assert.ok(now >= last, `${now} < ${last}`);
      last = now;
    }
    const wall = clock.wallMs();
    assert.ok(Number.isFinite(wall) && wall > Date.UTC(2000, 0, 1) && wall < Date.UTC(2200, 0, 1), String(wall));
  });

  test(`${name}: where time can be moved, both clocks move by exactly that much`, async () => {
    const { clock, advance } = make();
    if (advance === undefined) return;
    const mono = clock.monoMs();
    const wall = clock.wallMs();
    await advance(1_500);
    assert.is(clock.monoMs() - mono, 1_500);
    assert.is(clock.wallMs() - wall, 1_500);
  });
}

export interface TimersUnderTest {
  timers: Timers;
  /**
   * Lets timers due within `ms` fire. A virtual implementation moves its clock; the real one
   * returns at once (the test then waits for the callbacks themselves).
   */
  advance: (ms: number) => Promise<void>;
}

/** Resolves when `n` calls of the returned `done` have happened, keeping the event loop alive meanwhile (real timers are unref'd). */
function countdown(n: number): { done: () => void; all: Promise<void> } {
  let left = n;
  let resolve!: () => void;
  const all = new Promise<void>((r) => (resolve = r));
  const keepAlive = setInterval(() => undefined, 60_000);
  const done = (): void => {
    if (--left === 0) {
      clearInterval(keepAlive);
      resolve();
    }
  };
  return { done, all };
}

export function timersContract(name: string, make: () => TimersUnderTest): void {
  test(`${name}: callbacks run later, never inside after(), in order of their delays, equal delays in call order`, async () => {
    const { timers, advance } = make();
    const order: string[] = [];
    const { done, all } = countdown(5);
    const at = (label: string, ms: number) => timers.after(ms, () => (order.push(label), done()));
    at('c', 30);
    at('a', 0);
    at('b1', 10);
    at('b2', 10);
    at('d', 60);
    assert.equal(order, [], 'nothing runs synchronously');
    await advance(60);
    await all;
    assert.equal(order, ['a', 'b1', 'b2', 'c', 'd']);
  });

  test(`${name}: a cancelled timer never runs; cancelling twice or after it ran is harmless`, async () => {
    const { timers, advance } = make();
    const ran: string[] = [];
    const { done, all } = countdown(1);
    const cancelled = timers.after(5, () => ran.push('cancelled'));
    cancelled.cancel();
    cancelled.cancel();
    const kept = timers.after(20, () => (ran.push('kept'), done()));
    await advance(20);
    await all;
    kept.cancel();
    assert.equal(ran, ['kept']);
  });

  test(`${name}: a callback may schedule another, which runs after it`, async () => {
    const { timers, advance } = make();
    const ran: string[] = [];
    const { done, all } = countdown(2);
    timers.after(5, () => {
      ran.push('first');
      done();
      timers.after(5, () => (ran.push('second'), done()));
    });
    await advance(5);
    await advance(5);
    await all;
    assert.equal(ran, ['first', 'second']);
  });
}
