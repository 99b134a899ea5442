/** The swarm-scaling bench's arithmetic, and its loop threads finishing (no figure is asserted: tests never assert speed). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { machineCeiling, ratio, summarize } from '../../sim/bench-swarm-scaling.js';

test('ratios are two threads\' wall over one\'s; the summary takes per-round medians', () => {
  assert.is(ratio({ oneMs: 10, twoMs: 6 }), 0.6);
  const rounds = [
    { loop: { oneMs: 10, twoMs: 7 }, memory: { oneMs: 10, twoMs: 6 }, swarm: { oneMs: 100, twoMs: 80 } },
    { loop: { oneMs: 10, twoMs: 5 }, memory: { oneMs: 10, twoMs: 9 }, swarm: { oneMs: 100, twoMs: 60 } },
    { loop: { oneMs: 10, twoMs: 8 }, memory: { oneMs: 10, twoMs: 5.5 }, swarm: { oneMs: 100, twoMs: 70 } },
  ];
  const s = summarize(rounds);
  assert.is(s.loop, 0.7);
  assert.is(s.memory, 0.6);
  assert.is(s.swarm, 0.7);
  // Per round 0.8/0.7, 0.6/0.5, 0.7/0.8: the median of the quotients, not the quotient of the medians.
  assert.ok(Math.abs(s.swarmOverLoop - 0.8 / 0.7) < 1e-12, String(s.swarmOverLoop));
});

test('both ceiling loops run on one thread and on two, and report both walls', async () => {
  const m = await machineCeiling('alu', 1_000);
  assert.ok(m.oneMs > 0 && m.twoMs > 0);
  const memory = await machineCeiling('memory', 2, 1024);
  assert.ok(memory.oneMs > 0 && memory.twoMs > 0);
});

test.run();
