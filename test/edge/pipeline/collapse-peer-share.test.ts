/**
 * Waiters behind a fill from a peer. A non-owner keeps a peer's answer for a key that is not hot
 * in no store, so the waiters used to be woken 'uncacheable' and each fetched on its own: when
 * the ring changed while they waited (seen in the simulator, swarm seeds 7, 27, 33) every one of
 * them went to the origin at once. The transport here is scripted, so ordering needs no sleeps.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Logger, OutboundRequest, OutboundResponse, Transport } from '../../../common/ports.js';
import { createEdge, edgeConfigWithDefaults } from '../../../edge/create-edge.js';
import { FakeClock } from '../../support/fake-clock.js';
import { bodyText, scriptedAnswer as answer } from '../../support/scripted-answers.js';

const silent: Logger = { log: () => undefined };
const ORIGIN = 'http://origin.test';
const SELF = 'http://e1.test';
const PEER = 'http://e2.test';

test('waiters share a peer\'s answer that is kept in no store, even when the ring changes meanwhile', async () => {
  const clock = new FakeClock();
  const calls: OutboundRequest[] = [];
  let releasePeer: ((res: OutboundResponse) => void) | undefined;
  const transport: Transport = {
    request: (req) => {
      calls.push(req);
      const handoff = req.headers.some(([n]) => n === 'x-edgeworks-handoff');
      if (req.origin === PEER && !handoff) return new Promise((resolve) => (releasePeer = resolve));
      if (req.origin === PEER) return Promise.resolve(answer(504, [['x-edgeworks-purge-seq', '0']], 'handoff-miss'));
      return Promise.resolve(answer(200, [['cache-control', 'max-age=60']], 'from-origin'));
    },
    close: async () => undefined,
  };
  const edge = createEdge(
    edgeConfigWithDefaults({ id: 'e1', origin: ORIGIN, peers: [{ id: 'e1', url: SELF, weight: 1 }, { id: 'e2', url: PEER, weight: 1 }], peerAuth: { secret: 'collapse-test-peer-secret-0123456789' } } as never),
    { clock, timers: { after: () => ({ cancel: () => undefined }) }, transport, logger: silent },
  );
  // A key the peer owns, so the first request fills from it.
  let target = '';
  for (let i = 0; target === ''; i++) if (!edge.cluster!.owns(edge.control.keyFor(undefined, `/k${i}`)!)) target = `/k${i}`;
  const replies = Array.from({ length: 5 }, () => edge.handle({ method: 'GET', target, headers: { host: 'origin.test' } }));
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(calls.length, 1, 'one writer asks the peer; the others wait');
  // The peer leaves the ring while the fill is in flight: this edge now owns the key.
  edge.control.setMembers([{ id: 'e1', url: SELF, weight: 1 }]);
  // As every peer's answer does (Edge.forPeer), it says which purges the peer has applied.
  releasePeer!(answer(200, [['cache-control', 'max-age=60'], ['x-edgeworks-purge-seq', '0']], 'from-peer'));
  const bodies = await Promise.all(replies.map((r) => bodyText(r)));
  assert.equal(bodies, Array(5).fill('from-peer'));
  assert.is(calls.filter((c) => c.origin === ORIGIN).length, 0, 'no waiter went to the origin');
  assert.is(calls.length, 1, 'no waiter asked again');
});

test.run();
