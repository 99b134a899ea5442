/**
 * A peer that answers a fill as it answers clients (no purge sequence: it refused this edge's
 * peer-auth signature, for another secret or a clock outside the window) is not used: nothing in
 * that answer can be checked against the purges this edge has applied, so a copy purged here could
 * come back as fresh. The edge fetches from the origin and skips that peer as suspect. The
 * transport is scripted, so no timing is involved.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Logger, OutboundRequest, Transport } from '../../../common/ports.js';
import { createEdge, edgeConfigWithDefaults } from '../../../edge/create-edge.js';
import { FakeClock } from '../../support/fake-clock.js';
import { bodyText, scriptedAnswer } from '../../support/scripted-answers.js';

const silent: Logger = { log: () => undefined };
const ORIGIN = 'http://origin.test';
const SELF = 'http://e1.test';
const PEER = 'http://e2.test';
const CACHEABLE: Array<[string, string]> = [['cache-control', 'max-age=60']];

/** The peer answers with `peerHeaders` and the next of `peerStatuses` (the last one repeats). */
function edgeWithPeer(peerHeaders: Array<[string, string]>, peerStatuses: number[] = [200]): { edge: ReturnType<typeof createEdge>; calls: OutboundRequest[]; clock: FakeClock } {
  const calls: OutboundRequest[] = [];
  const clock = new FakeClock();
  let peerAnswers = 0;
  const transport: Transport = {
    request: async (req) => {
      calls.push(req);
      if (req.origin !== PEER) return scriptedAnswer(200, CACHEABLE, 'from-origin');
      return scriptedAnswer(peerStatuses[Math.min(peerAnswers++, peerStatuses.length - 1)]!, [...CACHEABLE, ...peerHeaders], 'from-peer');
    },
    close: async () => undefined,
  };
  const edge = createEdge(
    edgeConfigWithDefaults({ id: 'e1', origin: ORIGIN, peers: [{ id: 'e1', url: SELF, weight: 1 }, { id: 'e2', url: PEER, weight: 1 }], peerAuth: { secret: 'as-client-test-peer-secret-0123456789' } } as never),
    { clock, timers: { after: () => ({ cancel: () => undefined }) }, transport, logger: silent },
  );
  return { edge, calls, clock };
}

/** The `nth` (from 0) key the peer owns. */
function keyThePeerOwns(edge: ReturnType<typeof createEdge>, nth = 0): string {
  for (let i = 0, found = 0; ; i++) if (!edge.cluster!.owns(edge.control.keyFor(undefined, `/k${i}`)!) && found++ === nth) return `/k${i}`;
}

test('a fill the peer answered as to a client is not used: the origin answers and the peer is suspect', async () => {
  const { edge, calls } = edgeWithPeer([]);
  const target = keyThePeerOwns(edge);
  assert.is(await bodyText(edge.handle({ method: 'GET', target, headers: { host: 'origin.test' } })), 'from-origin');
  assert.equal(calls.map((c) => c.origin), [PEER, ORIGIN]);
  assert.is(edge.metrics.peerAnswersAsClient, 1);
  assert.ok(edge.cluster!.health.isSuspect('e2'));
});

test('the same fill with the purge sequence every peer answer carries is used', async () => {
  const { edge, calls } = edgeWithPeer([['x-edgeworks-purge-seq', '0']]);
  const target = keyThePeerOwns(edge);
  assert.is(await bodyText(edge.handle({ method: 'GET', target, headers: { host: 'origin.test' } })), 'from-peer');
  assert.equal(calls.map((c) => c.origin), [PEER]);
  assert.is(edge.metrics.peerAnswersAsClient, 0);
});

test('a peer server\'s 431 without the sequence goes back to the client and neither suspects nor clears the peer', async () => {
  // 200 as to a client (suspect), then, once that has run out, a 431, then 200 as to a client again.
  const { edge, clock } = edgeWithPeer([], [200, 431, 200]);
  const suspicions: number[] = [];
  edge.cluster!.health.onChange(({ suspectForMs }) => suspicions.push(suspectForMs));
  const keys = Array.from({ length: 3 }, (_, i) => keyThePeerOwns(edge, i));
  await edge.handle({ method: 'GET', target: keys[0]!, headers: { host: 'origin.test' } });
  clock.advance(suspicions[0]! + 1);
  const refused = await edge.handle({ method: 'GET', target: keys[1]!, headers: { host: 'origin.test' } });
  assert.is(refused.status, 431, 'the 431 goes back to this client');
  clock.advance(1);
  await edge.handle({ method: 'GET', target: keys[2]!, headers: { host: 'origin.test' } });
  // The second suspicion doubles the first: the 431 between them cleared nothing.
  assert.equal(suspicions, [suspicions[0]!, 2 * suspicions[0]!]);
  assert.is(edge.metrics.peerAnswersAsClient, 2);
});

test.run();
