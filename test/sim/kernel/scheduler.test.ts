import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scheduler } from '../../../sim/kernel/scheduler.js';

test('cancelled events are swept out of the heap, and the rest still run in (time, seq) order', async () => {
  const s = new Scheduler();
  const ran: number[] = [];
  const handles = [];
  for (let i = 0; i < 10_000; i++) {
    // Deliberately out of time order, with ties, so the rebuilt heap has order to keep.
    const at = (i * 7919) % 500;
    handles.push(s.at(at, () => ran.push(i)));
  }
  const kept = new Set<number>();
  for (let i = 0; i < handles.length; i++) {
    if (i % 10 === 3) kept.add(i);
    else handles[i]!.cancel();
  }
  assert.ok(s.pending <= 5_000, `swept when half the heap was cancelled (pending ${s.pending} of 10,000)`);
  await s.run(1_000);
  assert.equal(new Set(ran), kept);
  const expected = [...kept].sort((a, b) => (a * 7919) % 500 - (b * 7919) % 500 || a - b);
  assert.equal(ran, expected);
});

test('cancelling twice, or after the event ran, changes nothing', async () => {
  const s = new Scheduler();
  const ran: string[] = [];
  const a = s.at(1, () => ran.push('a'));
  const b = s.at(2, () => ran.push('b'));
  s.at(3, () => ran.push('c'));
  b.cancel();
  b.cancel();
  await s.run(1);
  a.cancel();
  await s.run(10);
  assert.equal(ran, ['a', 'c']);
  assert.is(s.pending, 0);
});

test('an async event\'s continuations all run before the next event, however long their silent chain', async () => {
  // A chain of awaits that schedules nothing until its end, longer than any fixed number of
  // microtask turns a drain could wait for (the old drain stopped after 32 quiet turns).
  for (const drain of ['microtask', 'macrotask'] as const) {
    const s = new Scheduler({ drain });
    const seen: string[] = [];
    s.at(
      1,
      () =>
        void (async () => {
          for (let i = 0; i < 200; i++) await undefined;
          seen.push(`chain done at ${s.now()}`);
        })(),
      { async: true },
    );
    s.at(1, () => seen.push(`next event at ${s.now()}`));
    await s.run(10);
    assert.equal(seen, ['chain done at 1', 'next event at 1'], drain);
  }
});

test('an event that throws, or a continuation reported with fail(), stops the run with that error', async () => {
  for (const drain of ['microtask', 'macrotask'] as const) {
    for (const kind of ['sync', 'async', 'reported'] as const) {
      const s = new Scheduler({ drain });
      const ran: number[] = [];
      const boom = new Error(`boom ${kind}`);
      s.at(1, () => ran.push(1));
      if (kind === 'sync') s.at(2, () => {
        throw boom;
      });
      else if (kind === 'async') s.at(2, () => void Promise.resolve().then(() => s.fail(boom)), { async: true });
      else s.at(2, () => s.fail(boom), { async: true });
      s.at(3, () => ran.push(3));
      let caught: unknown;
      await s.run(10).catch((err: unknown) => (caught = err));
      assert.is(caught, boom, `${drain} ${kind}`);
      assert.equal(ran, [1], `${drain} ${kind}: nothing after the failure ran`);
    }
  }
});

test.run();
