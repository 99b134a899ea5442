/**
 * A stored copy's surrogate keys come from the origin's Surrogate-Key field, which the copy may
 * not serve: a qualified no-cache="surrogate-key" (or private="surrogate-key") drops it from the
 * fields a cache sends (RFC 9111 §5.2.2.4, §5.2.2.7). Every path that builds a copy from fields
 * already served (a peer's fill or handoff answer, a 304 merged into the stored fields) used to
 * read the keys from those fields and lost them, so a surrogate-key purge later missed the copy.
 * Peers now say the keys in x-edgeworks-surrogate-keys when their fields hide them, and a 304
 * without Surrogate-Key from the origin keeps the keys the copy had (a peer's 304 names its own). The transports are scripted, so ordering needs no sockets or sleeps.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord } from '../../../common/control-protocol.js';
import type { Logger, OutboundRequest, OutboundResponse, Transport } from '../../../common/ports.js';
import { createEdge, edgeConfigWithDefaults } from '../../../edge/create-edge.js';
import type { Edge } from '../../../edge/pipeline/edge.js';
import { SURROGATE_KEYS_HEADER } from '../../../edge/routing/peer-fields.js';
import { FakeClock } from '../../support/fake-clock.js';
import { signedPeerHeaders } from '../../support/peer-signing.js';
import { bodyText, scriptedAnswer as answer } from '../../support/scripted-answers.js';

const silent: Logger = { log: () => undefined };
const ORIGIN = 'http://origin.test';
const SECRET = 'surrogate-keys-test-peer-secret-0123456789';
const HIDDEN = 'public, max-age=60, no-cache="surrogate-key"';

function edgeWith(id: string, peers: Array<{ id: string; url: string; weight: number }>, clock: FakeClock, respond: (req: OutboundRequest) => OutboundResponse) {
  const calls: OutboundRequest[] = [];
  const transport: Transport = {
    request: (req) => {
      calls.push(req);
      return Promise.resolve(respond(req));
    },
    close: async () => undefined,
  };
  const config = edgeConfigWithDefaults({ id, origin: ORIGIN, peers, peerAuth: { secret: SECRET } } as never);
  const edge = createEdge(config, { clock, timers: { after: () => ({ cancel: () => undefined }) }, transport, logger: silent });
  return { edge, calls };
}

const keyPurge = (seq: number, key: string): PurgeRecord => ({ seq, id: `p${seq}`, kind: 'key', values: [key], soft: false, acceptedAtMs: 0 });
const keysHeld = (edge: Edge, target: string): readonly string[] | undefined => {
  const found = edge.store.lookup(edge.control.keyFor(undefined, target)!, {});
  return found.kind === 'match' ? found.response.surrogateKeys : undefined;
};
const get = (edge: Edge, target: string, headers: Record<string, string> = {}) => edge.handle({ method: 'GET', target, headers: { host: 'origin.test', ...headers } });

test('a copy filled from a peer keeps the keys the peer names, and a surrogate-key purge removes it', async () => {
  const clock = new FakeClock();
  // e1 has just joined: for the keys it owns it asks e2, their owner without it, first (handoff).
  const peers = [
    { id: 'e1', url: 'http://e1.test', weight: 1 },
    { id: 'e2', url: 'http://e2.test', weight: 1 },
  ];
  const { edge, calls } = edgeWith('e1', peers, clock, (req) =>
    req.origin === ORIGIN
      ? answer(200, [['cache-control', 'max-age=60']], 'from-origin')
      : answer(200, [['cache-control', HIDDEN], ['x-edgeworks-purge-seq', '0'], [SURROGATE_KEYS_HEADER, 'red blue']], 'from-peer'),
  );
  let target = '';
  for (let i = 0; target === ''; i++) if (edge.cluster!.owns(edge.control.keyFor(undefined, `/k${i}`)!)) target = `/k${i}`;
  assert.is(await bodyText(get(edge, target)), 'from-peer');
  assert.is(calls[0]!.origin, 'http://e2.test');
  assert.equal(keysHeld(edge, target), ['red', 'blue']);
  edge.control.applyPurge(keyPurge(1, 'blue'));
  assert.is(keysHeld(edge, target), undefined, 'the purge of one of its keys removed it');
  assert.is(await bodyText(get(edge, target)), 'from-origin');
});

test('an answer to a peer names the copy\'s surrogate keys, which its served fields do not show', async () => {
  const clock = new FakeClock();
  const { edge } = edgeWith('e1', [{ id: 'e1', url: 'http://e1.test', weight: 1 }], clock, () =>
    answer(200, [['cache-control', HIDDEN], ['etag', '"v1"'], ['surrogate-key', 'red  blue']], 'from-origin'),
  );
  await bodyText(get(edge, '/a'));
  const handoff = signedPeerHeaders(SECRET, 'GET', '/a', clock.wallMs(), { extra: { 'x-edgeworks-handoff': '1' } });
  const res = await get(edge, '/a', handoff);
  const field = (name: string): string | undefined => {
    const i = res.headers.indexOf(name);
    return i < 0 ? undefined : res.headers[i + 1];
  };
  assert.is(res.status, 200);
  assert.is(field('surrogate-key'), undefined, 'no-cache="surrogate-key" keeps the field from what is served');
  assert.is(field(SURROGATE_KEYS_HEADER), 'red blue');
  assert.is(field('x-edgeworks-purge-seq'), '0');
  const toClient = await get(edge, '/a');
  assert.not.ok(toClient.headers.includes(SURROGATE_KEYS_HEADER), 'a client never sees it');
  // A peer revalidating its own copy gets a 304 that names them too.
  const etag = field('etag')!;
  const conditional = signedPeerHeaders(SECRET, 'GET', '/a', clock.wallMs(), { extra: { 'x-edgeworks-handoff': '1' } });
  const notModified = await get(edge, '/a', { ...conditional, 'if-none-match': etag });
  assert.is(notModified.status, 304);
  assert.is(notModified.headers[notModified.headers.indexOf(SURROGATE_KEYS_HEADER) + 1], 'red blue');
});

test('an answer whose fields show Surrogate-Key does not repeat the keys (a tag-heavy head stays under the peer\'s limit)', async () => {
  const clock = new FakeClock();
  const { edge } = edgeWith('e1', [{ id: 'e1', url: 'http://e1.test', weight: 1 }], clock, () => answer(200, [['cache-control', 'max-age=60'], ['surrogate-key', 'red blue']], 'x'));
  await bodyText(get(edge, '/v'));
  const res = await get(edge, '/v', signedPeerHeaders(SECRET, 'GET', '/v', clock.wallMs(), { extra: { 'x-edgeworks-handoff': '1' } }));
  assert.is(res.headers[res.headers.indexOf('surrogate-key') + 1], 'red blue');
  assert.not.ok(res.headers.includes(SURROGATE_KEYS_HEADER));
});

test('a peer\'s 304 gives the keys of the peer\'s copy, even without Surrogate-Key', async () => {
  const clock = new FakeClock();
  const peers = [
    { id: 'e1', url: 'http://e1.test', weight: 1 },
    { id: 'e2', url: 'http://e2.test', weight: 1 },
  ];
  let conditionals = 0;
  const { edge, calls } = edgeWith('e1', peers, clock, (req) => {
    if (req.origin === ORIGIN) return answer(200, [['cache-control', 'max-age=60']], 'from-origin');
    if (!req.headers.some(([n]) => n === 'if-none-match')) {
      return answer(200, [['cache-control', 'public, max-age=1, no-cache="surrogate-key"'], ['etag', '"v1"'], ['x-edgeworks-purge-seq', '0'], [SURROGATE_KEYS_HEADER, 'red']], 'from-peer');
    }
    conditionals++;
    // The peer's copy was refetched meanwhile and is tagged differently now.
    return answer(304, [['cache-control', 'public, max-age=60, no-cache="surrogate-key"'], ['etag', '"v1"'], ['x-edgeworks-purge-seq', '0'], [SURROGATE_KEYS_HEADER, 'green']]);
  });
  edge.control.renewLease(600_000);
  let target = '';
  for (let i = 0; target === ''; i++) if (edge.cluster!.owns(edge.control.keyFor(undefined, `/k${i}`)!)) target = `/k${i}`;
  assert.is(await bodyText(get(edge, target)), 'from-peer');
  assert.equal(keysHeld(edge, target), ['red']);
  clock.advance(2_000);
  assert.is(await bodyText(get(edge, target)), 'from-peer');
  assert.is(conditionals, 1, 'revalidated with the peer');
  assert.is(calls.filter((c) => c.origin === ORIGIN).length, 0);
  assert.equal(keysHeld(edge, target), ['green']);
});

test('a 304 without Surrogate-Key keeps the keys the stored copy had', async () => {
  const clock = new FakeClock();
  let revalidations = 0;
  const { edge } = edgeWith('e1', [{ id: 'e1', url: 'http://e1.test', weight: 1 }], clock, (req) => {
    if (req.headers.some(([n]) => n === 'if-none-match')) {
      revalidations++;
      return answer(304, [['cache-control', 'public, max-age=60, no-cache="surrogate-key"'], ['etag', '"v1"']]);
    }
    return answer(200, [['cache-control', 'public, max-age=1, no-cache="surrogate-key"'], ['etag', '"v1"'], ['surrogate-key', 'red']], 'from-origin');
  });
  edge.control.renewLease(600_000);
  await bodyText(get(edge, '/r'));
  clock.advance(2_000);
  assert.is(await bodyText(get(edge, '/r')), 'from-origin');
  assert.is(revalidations, 1);
  assert.equal(keysHeld(edge, '/r'), ['red']);
  edge.control.applyPurge(keyPurge(1, 'red'));
  assert.is(keysHeld(edge, '/r'), undefined);
});

test('a 304 that carries Surrogate-Key replaces the keys', async () => {
  const clock = new FakeClock();
  const { edge } = edgeWith('e1', [{ id: 'e1', url: 'http://e1.test', weight: 1 }], clock, (req) =>
    req.headers.some(([n]) => n === 'if-none-match')
      ? answer(304, [['cache-control', 'public, max-age=60'], ['etag', '"v1"'], ['surrogate-key', 'green']])
      : answer(200, [['cache-control', 'public, max-age=1'], ['etag', '"v1"'], ['surrogate-key', 'red']], 'from-origin'),
  );
  edge.control.renewLease(600_000);
  await bodyText(get(edge, '/r'));
  clock.advance(2_000);
  await bodyText(get(edge, '/r'));
  assert.equal(keysHeld(edge, '/r'), ['green']);
});

test.run();
