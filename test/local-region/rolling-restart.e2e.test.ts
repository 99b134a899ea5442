/**
 * Issue #14, rolling restart: every edge of a warm region leaves gracefully (SIGTERM) and comes
 * back as a fresh process with an empty cache, one after the other, with requests in between.
 * Each key keeps being served from the region: the leaver pushes it to its successor, and the
 * restarted edge takes it back by handoff.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startControlRegion, type ControlRegion } from '../support/control-region.js';

const KEYS = Array.from({ length: 200 }, (_, i) => `/w/${i}`);
const IDS = ['e1', 'e2', 'e3', 'e4'];

async function sweep(r: ControlRegion): Promise<void> {
  const open = r.nodes.filter((n) => !n.closed && !n.leaving);
  for (const [i, path] of KEYS.entries()) assert.is((await r.get(open[i % open.length]!, path)).status, 200, path);
}

test('a rolling restart of a 4-edge region fetches no warm key from the origin again', async () => {
  const r = await startControlRegion(4);
  try {
    await sweep(r);
    for (const id of IDS) {
      const { left } = await r.restart(r.node(id));
      assert.ok(left.removedFromRing && left.drained, `${id} left cleanly: ${JSON.stringify(left)}`);
      await r.ringsAre(IDS);
      await sweep(r);
    }
    const counts = await r.originCounts();
    const refetched = KEYS.filter((k) => (counts[k] ?? 0) > 1);
    assert.ok(refetched.length <= Math.floor(KEYS.length * 0.05), `refetched ${refetched.length}: ${refetched.join(' ')}`);
    assert.is(refetched.length, 0, `refetched ${refetched.join(' ')}`);
  } finally {
    await r.close();
  }
});

test.run();
