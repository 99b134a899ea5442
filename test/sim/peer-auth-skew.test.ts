/**
 * The peer-auth window is wider than any clock skew the simulator injects: in the clock-skew
 * scenario (edges 60 s apart, then 90 s) every peer request between the real edges is accepted.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseScenario } from '../../sim/scenario/schema.js';
import { World } from '../../sim/world/world.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('clock-skew-half: no peer request is refused, and peers do answer each other', async () => {
  const scenario = parseScenario({ ...JSON.parse(readFileSync(join(root, 'sim', 'scenarios', 'clock-skew-half.json'), 'utf8')), durationMs: 35_000, settleMs: 5_000 });
  const world = new World(scenario, { seed: 3 });
  await world.run();
  for (const slot of world.edges) {
    assert.equal(slot.edge.metrics.peerAuthFailures, { missing: 0, malformed: 0, expired: 0, 'bad-signature': 0, 'body-digest': 0 }, slot.node.id);
  }
  assert.ok(world.edges.reduce((sum, s) => sum + s.edge.metrics.ownerHits, 0) > 0);
});

test.run();
