/**
 * A client that sends the graceful-leave push itself (`PUT` with `x-edgeworks-push`, issue #14)
 * cannot plant an object: the push is honoured only on a request the peer gate authenticated
 * (issue #12), in every combination of the other peer fields, even naming an edge that has just
 * left the ring. The same push correctly signed is stored, so the setup could plant one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePush } from '../../../edge/pipeline/handover.js';
import { startCluster } from '../../support/cluster-harness.js';
import { afterE3Left, ownerOf, put, signedPush, stored } from './support/leaving-push.js';

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
      const status = await put(owner, path, headers, envelope());
      assert.is.not(status, 201, `${label}: answered ${status}`);
      assert.is(stored(owner, path), false, `${label}: nothing stored`);
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
    assert.is(await put(owner, path, signedPush(c, path, envelope()), envelope()), 201);
    assert.is(owner.edge.metrics.pushesAccepted, 1);
    assert.is((await c.get(owner, path)).body.toString(), PLANTED);
  } finally {
    await c.close();
  }
});

test.run();
