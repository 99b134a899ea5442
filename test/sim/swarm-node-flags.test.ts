import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { missingSwarmFlags } from '../../sim/swarm-node-flags.js';

const PER_CORE = ['--single-threaded-gc', '--no-concurrent-recompilation'];

test('missingSwarmFlags: a worker per core collects and compiles on its own thread; fewer workers than cores leave the helpers their core', () => {
  assert.equal(missingSwarmFlags(2, 2, []), PER_CORE);
  assert.equal(missingSwarmFlags(8, 2, []), PER_CORE);
  assert.equal(missingSwarmFlags(2, 4, []), []);
  assert.equal(missingSwarmFlags(2, 1, []), PER_CORE);
});

test('missingSwarmFlags: one worker runs seeds in the main thread with the workers young generation', () => {
  assert.equal(missingSwarmFlags(1, 2, []), ['--max-semi-space-size=64']);
  assert.equal(missingSwarmFlags(1, 1, []), ['--max-semi-space-size=64']);
});

test('missingSwarmFlags: flags already given (either spelling) are not added again, so the relaunched process does not relaunch', () => {
  assert.equal(missingSwarmFlags(2, 2, ['--single-threaded-gc']), ['--no-concurrent-recompilation']);
  assert.equal(missingSwarmFlags(2, 2, ['--single_threaded_gc', '--no_concurrent_recompilation']), []);
  // A caller who asks for concurrent recompilation keeps it.
  assert.equal(missingSwarmFlags(2, 2, ['--concurrent-recompilation']), ['--single-threaded-gc']);
  assert.equal(missingSwarmFlags(1, 2, ['--max-semi-space-size=16']), []);
  assert.equal(missingSwarmFlags(1, 2, ['--max_semi_space_size=32']), []);
  assert.equal(missingSwarmFlags(2, 2, ['--max-semi-space-size=64', '--cpu-prof']), PER_CORE);
});

test.run();
