/**
 * Per-seed results do not depend on what else ran in the process: a swarm's seeds run in two
 * different orders in one process give the same trace hash per seed. Anything process-wide an
 * edge kept (the interning tables were module-level until they moved into each edge) would let
 * one seed's run shape another's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../sim/run.js';
import { swarmScenario } from '../../sim/swarm.js';

async function hashesInOrder(seeds: readonly number[]): Promise<Map<number, string>> {
  const hashes = new Map<number, string>();
  for (const seed of seeds) {
    const report = await runScenario(swarmScenario(seed), { seed });
    assert.is(report.crash, undefined, `seed ${seed} crashed`);
    hashes.set(seed, report.traceHash);
  }
  return hashes;
}

test('two seed orders give identical per-seed trace hashes', async () => {
  const forward = await hashesInOrder([1, 2]);
  const backward = await hashesInOrder([2, 1]);
  for (const seed of [1, 2]) assert.is(backward.get(seed), forward.get(seed), `seed ${seed}`);
  assert.is.not(forward.get(1), forward.get(2), 'the seeds are different runs');
});

test.run();
