/**
 * A client that sends the graceful-leave push itself (`PUT` with `x-edgeworks-push`, issue #14)
 * cannot plant an object: the push is honoured only on a request the peer gate authenticated
 * (issue #12), in every combination of the other peer fields, even naming an edge that has just
 * left the ring. The same push correctly signed is stored, so the setup could plant one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { encodePush } from '../../../edge/pipeline/handover.js';
import { bodyDigest } from '../../../edge/routing/peer-auth.js';
import { CONTENT_DIGEST_HEADER } from '../../../edge/routing/peer-fields.js';
import { startCluster, TEST_PEER_SECRET, type ClusterHarness, type ClusterNode } from '../../support/cluster-harness.js';
import { signedPeerHeaders } from '../../support/peer-signing.js';

const PLANTED = 'planted by a client';

/** What a leaving edge would push: a fresh, storable answer (a year of max-age) with a body of our choosing. */
function envelope(): Buffer {
  return encodePush({
    status: 200,
    headers: ['content-type', 'text/plain', 'cache-control', 'public, max-age=31536000', 'content-length', String(PLANTED.length)],
    body: Buffer.from(PLANTED),
    outcome: { kind: 'hit', hit: true, detail: 'handover', bytes: PLANTED.length },
  });
}

async function put(node: ClusterNode, path: string, headers: Record<string, string>): Promise<number> {
  const res = await request(`${node.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: envelope() });
  await res.body.dump();
  return res.statusCode;
}

/** e3 leaves a ring of e1, e2, e3 (the others install the ring without it): pushes from e3 are now expected. */
async function afterE3Left(c: ClusterHarness): Promise<{ survivors: ClusterNode[]; paths: string[] }> {
  const survivors = c.nodes.filter((n) => n.id !== 'e3');
  const ring = survivors.map((n) => ({ id: n.id, url: n.url, weight: 1 }));
  for (const n of survivors) n.edge.setMembers(ring);
  // Never-requested paths, each owned by a survivor in the new ring and recently left by e3 there.
  const paths = Array.from({ length: 200 }, (_, i) => `/pushed-${i}`).filter((p) => survivors.some((n) => n.edge.cluster!.owns(n.edge.keyFor(undefined, p)!)));
  for (const n of survivors) assert.ok(n.edge.cluster!.recentlyLeft('e3'), `${n.id} remembers e3`);
  return { survivors, paths };
}

function ownerOf(nodes: ClusterNode[], path: string): ClusterNode {
  return nodes.find((n) => n.edge.cluster!.owns(n.edge.keyFor(undefined, path)!))!;
}

/** The unsigned or badly signed ways a client can dress the push up as e3's. */
const SPOOFS: Array<[string, Record<string, string>]> = [
  ['push field alone', { 'x-edgeworks-push': 'e3' }],
  ['push and peer marker', { 'x-edgeworks-push': 'e3', 'x-edgeworks-peer': 'e3' }],
  ['push, marker and purge sequence', { 'x-edgeworks-push': 'e3', 'x-edgeworks-peer': 'e3', 'x-edgeworks-purge-seq': '999999' }],
  [
    'push, marker, time and a made-up signature',
    { 'x-edgeworks-push': 'e3', 'x-edgeworks-peer': 'e3', 'x-edgeworks-purge-seq': '0', 'x-edgeworks-time': '1795000000000', 'x-edgeworks-signature': 'v1=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  ],
];

test('an unsigned PUT with x-edgeworks-push plants nothing, at the key owner, for an edge that has just left', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const { survivors, paths } = await afterE3Left(c);
    assert.ok(paths.length >= SPOOFS.length, 'enough paths');
    for (const [i, [label, headers]] of SPOOFS.entries()) {
      const path = paths[i]!;
      const owner = ownerOf(survivors, path);
      const status = await put(owner, path, headers);
      assert.is.not(status, 201, `${label}: answered ${status}`);
      assert.is(owner.edge.store.lookup(owner.edge.keyFor(undefined, path)!, {}).kind === 'match', false, `${label}: nothing stored`);
      const served = await c.get(owner, path);
      assert.is(served.status, 200, label);
      assert.is.not(served.body.toString(), PLANTED, `${label}: the client's body is never served`);
    }
    for (const n of survivors) assert.is(n.edge.metrics.pushesAccepted, 0, `${n.id} accepted no push`);
  } finally {
    await c.close();
  }
});

test('the same push signed with the region secret is stored: the refusal above is the gate, not the setup', async () => {
  const c = await startCluster(['e1', 'e2', 'e3']);
  try {
    const { survivors, paths } = await afterE3Left(c);
    const path = paths[0]!;
    const owner = ownerOf(survivors, path);
    const headers = signedPeerHeaders(TEST_PEER_SECRET, 'PUT', path, c.clock.wallMs(), {
      from: 'e3',
      extra: { 'x-edgeworks-push': 'e3', 'x-edgeworks-purge-seq': '0', [CONTENT_DIGEST_HEADER]: bodyDigest(envelope()) },
    });
    assert.is(await put(owner, path, headers), 201);
    assert.is(owner.edge.metrics.pushesAccepted, 1);
    assert.is((await c.get(owner, path)).body.toString(), PLANTED);
  } finally {
    await c.close();
  }
});

test.run();
