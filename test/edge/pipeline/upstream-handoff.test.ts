/**
 * Where a new owner's miss goes during a handoff window: the previous owner first, once more when
 * the transport failed, the edge a previous owner names as its own previous owner when it misses,
 * and the origin only after at most MAX_HANDOFF_ASKS asks. Requests a peer forwarded hand off too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TransportError, type OutboundRequest, type OutboundResponse, type Transport } from '../../../common/ports.js';
import { PurgeLedger } from '../../../edge/store/purge-ledger.js';
import { EdgeMetrics } from '../../../edge/pipeline/metrics.js';
import { Upstream } from '../../../edge/pipeline/upstream.js';
import { Cluster, HANDOFF_NEXT_HEADER, MAX_HANDOFF_ASKS, PEER_HEADER } from '../../../edge/routing/cluster.js';
import { Ring } from '../../../edge/routing/ring.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testEdgeOptions } from '../../support/test-edge-options.js';

const m = (id: string) => ({ id, url: `http://${id}.test`, weight: 1 });
type Answer = 'refuse' | 'hit' | 'miss' | { missNaming: string };

function setup(answers: Record<string, Answer[]>) {
  const clock = new FakeClock();
  const asked: string[] = [];
  const transport: Transport = {
    async request(req: OutboundRequest): Promise<OutboundResponse> {
      const host = new URL(req.origin).hostname.split('.')[0]!;
      asked.push(host);
      const answer = answers[host]?.shift() ?? 'hit';
      if (answer === 'refuse') throw new TransportError('connect-refused', 'refused');
      const headers: Array<[string, string]> = [['x-edgeworks-purge-seq', '0']];
      if (typeof answer === 'object') headers.push([HANDOFF_NEXT_HEADER, answer.missNaming]);
      return { status: answer === 'hit' ? 200 : 504, headers, body: (async function* () {})(), discard: () => undefined };
    },
    close: async () => undefined,
  };
  // d joins a region of a, b, c: its previous ring is a, b, c.
  const members = [m('a'), m('b'), m('c'), m('d')];
  const cluster = new Cluster({ selfId: 'd', members, clock, peerSuspectMs: 1000, peerMaxSuspectMs: 1000, hotKeyRequestsPerSecond: 1, handoffMs: 60_000 });
  const o = { ...testEdgeOptions({ cacheName: 'd', originUrl: 'http://origin.test', clock, transport }), cluster: { selfId: 'd', members, peerTimeouts: { connectMs: 1, headersMs: 1, bodyIdleMs: 1 }, peerSuspectMs: 1000, peerMaxSuspectMs: 1000, hotKeyRequestsPerSecond: 1, hotCacheFraction: 0, handoffMs: 60_000, peerAuth: { mode: 'require' as const, secret: 'upstream-test-peer-secret-0123456789abcdef', windowMs: 300_000 } } };
  const upstream = new Upstream(o, cluster, new EdgeMetrics(), new PurgeLedger(), undefined);
  const before = new Ring([m('a'), m('b'), m('c')]);
  const key = Array.from({ length: 1000 }, (_, i) => `/k/${i}`).find((k) => cluster.owns(k) && before.owner(k).id === 'a')!;
  return { upstream, key, asked };
}

const get = (s: ReturnType<typeof setup>, headers: Record<string, string> = {}) => s.upstream.get(s.key, { method: 'GET', target: s.key, headers }, []);

test('the previous owner answers: a handoff, not the origin', async () => {
  const s = setup({});
  assert.equal((await get(s)).source, { kind: 'handoff', id: 'a' });
});

test('a request a peer forwarded to the new owner is handed off too', async () => {
  const s = setup({});
  assert.equal((await get(s, { [PEER_HEADER]: 'b' })).source, { kind: 'handoff', id: 'a' });
});

test('a transport failure is tried once more before the origin', async () => {
  const s = setup({ a: ['refuse', 'hit'] });
  assert.equal((await get(s)).source, { kind: 'handoff', id: 'a' });
  assert.equal(s.asked, ['a', 'a']);
});

test('a previous owner that misses and names its own previous owner: that one is asked next', async () => {
  const s = setup({ a: [{ missNaming: 'c' }] });
  assert.equal((await get(s)).source, { kind: 'handoff', id: 'c' });
  assert.equal(s.asked, ['a', 'c']);
});

test(`at most ${MAX_HANDOFF_ASKS} asks, then the origin`, async () => {
  const s = setup({ a: ['refuse', 'refuse'] });
  assert.equal((await get(s)).source, { kind: 'origin' });
  assert.equal(s.asked, ['a', 'a', 'origin']);
});

test.run();
