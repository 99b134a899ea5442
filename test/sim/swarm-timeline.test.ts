/**
 * The swarm's --timeline: per-worker start-up, busy time, thread CPU and idle-at-end from the
 * seed spans; and the thread CPU reader counts this thread's work.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { threadCpuMs, timelineSummary, workerLines, type SeedSpan } from '../../sim/swarm-timeline.js';

const span = (seed: number, worker: number, startMs: number, endMs: number, threadCpuMs = endMs - startMs): SeedSpan => ({ seed, worker, startMs, endMs, threadCpuMs });

test('a line per worker: start-up to its first seed, busy and CPU summed, idle from its last seed to the end', () => {
  // Run from 1,000 to 2,000: worker 1 loads for 300 ms and finishes 400 ms before worker 0.
  const spans = [span(1, 0, 1_100, 1_500), span(2, 1, 1_300, 1_600, 250), span(3, 0, 1_500, 2_000), span(4, 1, 1_600, 1_600)];
  assert.equal(workerLines(spans, 1_000, 2_000), [
    { worker: 0, seeds: 2, startupMs: 100, busyMs: 900, threadCpuMs: 900, idleAtEndMs: 0 },
    { worker: 1, seeds: 2, startupMs: 300, busyMs: 300, threadCpuMs: 250, idleAtEndMs: 400 },
  ]);
});

test('the summary splits the process CPU into seed threads and the rest', () => {
  const text = timelineSummary(workerLines([span(1, 0, 0, 2_000, 1_500), span(2, 1, 0, 2_000, 1_500)], 0, 2_000), 40, 4_000, 2_000);
  assert.match(text, 'worker 1: 1 seeds, start-up 0 ms, busy 2.0 s, thread CPU 1.5 s, idle at end 0 ms');
  assert.match(text, 'main thread CPU outside seeds 40 ms; process CPU 4.0 s in 2.0 s wall (2.00 cores), of which seed threads 3.0 s, other threads');
  assert.match(text, ' 1.0 s\n');
});

test("the thread CPU reader grows with this thread's own work", () => {
  const before = threadCpuMs();
  if (Number.isNaN(before)) return; // no /proc here: the timeline says NaN rather than guess
  // Spin until the reading moves (10 ms ticks): bounded by the reading, not by elapsed time.
  let x = 0;
  for (let i = 0; threadCpuMs() === before; i++) x += Math.sqrt(i);
  assert.ok(threadCpuMs() > before && x >= 0);
});

test.run();
