/**
 * Issue #14, graceful leave: on SIGTERM (edge/leave.ts, as cdn-edge runs it) an edge stops taking
 * connections, leaves the control plane's ring, pushes its most recently used keys to their new
 * owners and lets in-flight requests finish. Its successors then serve its keys without the origin.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutboundRequest, OutboundResponse, Transport } from '../../common/ports.js';
import { ownerOf, refetches, startControlRegion } from '../support/control-region.js';

const KEYS = Array.from({ length: 200 }, (_, i) => `/w/${i}`);

test('a leaving edge pushes its keys to their new owners: none of them is fetched from the origin again', async () => {
  const r = await startControlRegion(4);
  try {
    for (const [i, path] of KEYS.entries()) assert.is((await r.get(r.nodes[i % 4]!, path)).status, 200);
    const e2 = r.node('e2');
    const e2Keys = KEYS.filter((k) => ownerOf(r, k) === e2);
    assert.ok(e2Keys.length > 20, `e2 owns about a quarter, got ${e2Keys.length}`);
    const report = await r.leave(e2);
    assert.ok(report.removedFromRing, 'the control plane dropped e2 from the ring before the pushes');
    assert.is(report.handover.pushed, e2Keys.length, JSON.stringify(report.handover));
    assert.ok(report.drained);
    await r.ringsAre(['e1', 'e3', 'e4']);
    for (const node of r.nodes.filter((n) => !n.closed)) for (const path of KEYS) assert.is((await r.get(node, path)).status, 200, `${path} via ${node.id}`);
    const caused = await refetches(r, e2Keys);
    assert.is(caused, 0, `origin fetches caused by the leave: ${caused} of ${e2Keys.length} moved keys`);
    const accepted = r.nodes.reduce((sum, n) => sum + n.edge.metrics.pushesAccepted, 0);
    assert.is(accepted, e2Keys.length);
  } finally {
    await r.close();
  }
});

test('with handover pushes off (leavePushMaxKeys 0) the same leave refetches the moved keys: the test can fail', async () => {
  const r = await startControlRegion(4, { edge: { cluster: { leavePushMaxKeys: 0 } as never } });
  try {
    for (const [i, path] of KEYS.entries()) await r.get(r.nodes[i % 4]!, path);
    const e2 = r.node('e2');
    const e2Keys = KEYS.filter((k) => ownerOf(r, k) === e2);
    await r.leave(e2);
    await r.ringsAre(['e1', 'e3', 'e4']);
    for (const path of e2Keys) await r.get(r.node('e1'), path);
    assert.is(await refetches(r, e2Keys), e2Keys.length);
  } finally {
    await r.close();
  }
});

/** Holds origin GETs for one path until the test releases them. */
function gate(path: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let seen!: () => void;
  const arrived = new Promise<void>((resolve) => (seen = resolve));
  const wrap = (real: Transport): Transport => ({
    async request(req: OutboundRequest): Promise<OutboundResponse> {
      if (req.method === 'GET' && req.target === path && req.headers.every(([n]) => n !== 'x-edgeworks-handoff')) {
        seen();
        await released;
      }
      return real.request(req);
    },
    close: () => real.close(),
  });
  return { wrap, arrived, release };
}

test('a request in flight when the edge starts leaving is answered in full', async () => {
  const g = gate('/slow');
  const r = await startControlRegion(3, { transport: g.wrap });
  try {
    const e2 = r.node('e2');
    const pending = r.get(e2, '/slow');
    await g.arrived;
    const leaving = r.leave(e2);
    await r.ringsAre(['e1', 'e3']);
    g.release();
    const answer = await pending;
    assert.is(answer.status, 200);
    const report = await leaving;
    assert.ok(report.drained, 'in-flight requests finished inside the grace period');
  } finally {
    g.release();
    await r.close();
  }
});

test.run();
