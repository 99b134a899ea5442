/**
 * What one edge refusing another's peer request must not turn into (found in review of the
 * change that answers refused peer requests alone, SECURITY.md):
 * - a client whose request head the owner's server refuses (431: the front edge adds its peer
 *   fields to a head already near the limit) must not make the front edge skip that owner for
 *   every other client, as a peer that refused our signature is skipped;
 * - an unsafe method's invalidation notice that an edge with another secret refuses must not be
 *   sent round the region again: each refused notice used to go to the origin as a client's
 *   PURGE and, answered 2xx, send new notices to every member, without end.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type ClusterNode } from '../../support/cluster-harness.js';

function keysOwnedBy(front: ClusterNode, ownerId: string, prefix: string, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const path = `${prefix}/${i}`;
    const key = front.edge.control.keyFor(undefined, path)!;
    if (!front.edge.cluster!.owns(key) && front.edge.cluster!.peersBefore(key)[0]?.id === ownerId) out.push(path);
  }
  return out;
}

test('a client whose head the owner refuses cannot make the front edge skip that owner', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const [e1] = c.nodes as [ClusterNode];
    const [attack, victim] = keysOwnedBy(e1, 'e2', '/contained', 2) as [string, string];
    // 96 fields: within e1's limit as the client sent them, over the owner's once e1 adds its own.
    const padded = Object.fromEntries(Array.from({ length: 96 }, (_, i) => [`x-f${i}`, '1']));
    await c.get(e1, attack, padded);
    assert.not.ok(e1.edge.cluster!.health.isSuspect('e2'), 'e2 is not suspect');
    assert.is(e1.edge.metrics.peerAnswersAsClient, 0);
    const ordinary = await c.get(e1, victim);
    assert.is(ordinary.status, 200);
    assert.match(ordinary.headers['cache-status'] ?? '', /detail=peer-e2/, 'another client is still filled through the owner');
  } finally {
    await c.close();
  }
});

test('an invalidation notice refused by an edge with another secret is not sent round the region again', async () => {
  let purges = 0;
  let loopSeen: (() => void) | undefined;
  const looping = new Promise<void>((resolve) => (loopSeen = resolve));
  const origin = createServer((req, res) => {
    const loop = req.method === 'PURGE' && ++purges > 10;
    if (loop) loopSeen!();
    req.resume();
    // Past a loop's worth, a 404 (which invalidates nothing) lets a looping region stop, so the test fails rather than hangs.
    res.writeHead(loop ? 404 : 200, { 'content-length': '2', 'cache-control': 'max-age=60' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  const stranger = { mode: 'require', secret: 'stranger-secret-0123456789abcdefghij', windowMs: 30_000 } as const;
  const good = { mode: 'require', secret: 'contained-good-secret-0123456789abcd', windowMs: 30_000 } as const;
  const c = await startCluster(['e1', 'e2', 'e3'], {}, { peerAuthFor: (id) => (id === 'e3' ? stranger : good), edgeOverrides: { originUrl } });
  try {
    const e3 = c.nodes[2]!;
    assert.is((await c.send(e3, 'POST', '/contained/posted')).status, 200);
    // Each edge's notices are answered only after the edge they reach has started its own, so
    // settling the edges in turn follows any chain of notices. It ends, or the origin sees a loop's
    // worth of PURGEs.
    const settleInTurn = async (): Promise<void> => {
      for (let round = 0; round < 3; round++) for (const n of c.nodes) await n.edge.settled();
    };
    await Promise.race([settleInTurn(), looping]);
    // e3's notices to e1 and e2 are refused there and passed to the origin as PURGEs, and stop.
    assert.ok(purges <= 2, `origin PURGEs: ${purges}`);
  } finally {
    await c.close();
    origin.closeAllConnections();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  }
});

test('a client POST carrying a forged peer marker still tells the region to drop the URL', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const [e1] = c.nodes as [ClusterNode];
    const [path] = keysOwnedBy(e1, 'e2', '/contained-posted', 1) as [string];
    const owner = c.nodes.find((n) => n.id === 'e2')!;
    await c.get(owner, path);
    assert.is((await c.send(e1, 'POST', path, { 'x-edgeworks-peer': 'e9' })).status, 200);
    for (const n of c.nodes) await n.edge.settled();
    const after = await c.get(owner, path);
    assert.not.match(after.headers['cache-status'] ?? '', /; hit/, 'the owner dropped its copy');
  } finally {
    await c.close();
  }
});

test.run();
