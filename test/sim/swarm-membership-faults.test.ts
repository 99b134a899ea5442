/**
 * Generated membership faults say what happens: the world ignores a leave of an edge that has
 * left and a join of one that has joined (sim/world/world.ts), so the generator draws neither.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { swarmScenario } from '../../sim/swarm.js';

// Seeds 1 and 33 each drew two such faults, which only made their scenario files say more than happened.
test('no generated seed leaves an edge that has left for good or joins an edge that has joined', () => {
  for (let seed = 1; seed <= 500; seed++) {
    const left = new Set<string>();
    const joined = new Set<string>();
    for (const f of swarmScenario(seed).faults) {
      const node = f.kind === 'join' || f.kind === 'leave' || f.kind === 'restart' ? f.nodes[0]! : '';
      if (f.kind === 'join') {
        assert.not.ok(joined.has(node), `seed ${seed}: ${node} joins twice at ${f.atMs} ms`);
        joined.add(node);
      } else if (f.kind === 'leave' || (f.kind === 'restart' && f.graceful === true)) {
        assert.not.ok(left.has(node), `seed ${seed}: ${node} ${f.kind} at ${f.atMs} ms after it left`);
        if (f.kind === 'leave') left.add(node);
      }
    }
  }
});

test.run();
