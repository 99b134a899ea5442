/**
 * A peer's answer from an edge that has applied fewer purges: refused when one of the purges it
 * lacks could match the answer (it may be what was purged), accepted when none could (a purge of
 * another URL landing while the request was out must not send a warm key to the origin).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutboundRequest, OutboundResponse, Transport } from '../../../common/ports.js';
import { PurgeLedger } from '../../../edge/store/purge-ledger.js';
import { EdgeMetrics } from '../../../edge/pipeline/metrics.js';
import { Upstream } from '../../../edge/pipeline/upstream.js';
import { Cluster } from '../../../edge/routing/cluster.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testEdgeOptions } from '../../support/test-edge-options.js';

const members = [
  { id: 'a', url: 'http://a.test', weight: 1 },
  { id: 'b', url: 'http://b.test', weight: 1 },
];

/** The peer's answer's own fields: its served Surrogate-Key, or (hidden by no-cache="surrogate-key") only its list of the copy's keys. */
const SERVED: Array<[string, string]> = [['surrogate-key', 'red blue']];

function setup(purge: { kind: 'url' | 'key' | 'all'; values: string[] }, answerFields = SERVED) {
  const clock = new FakeClock();
  const sent: string[] = [];
  const transport: Transport = {
    async request(req: OutboundRequest): Promise<OutboundResponse> {
      sent.push(req.origin);
      const fromPeer = req.origin === 'http://b.test';
      return {
        status: 200,
        headers: [...answerFields, ...(fromPeer ? [['x-edgeworks-purge-seq', '0'] as [string, string]] : [])],
        body: (async function* () {})(),
        discard: () => undefined,
      };
    },
    close: async () => undefined,
  };
  const o = { ...testEdgeOptions({ cacheName: 'a', originUrl: 'http://origin.test', clock, transport }), cluster: { selfId: 'a', members, peerTimeouts: { connectMs: 1, headersMs: 1, bodyIdleMs: 1 }, peerSuspectMs: 1, peerMaxSuspectMs: 1, hotKeyRequestsPerSecond: 1, hotCacheFraction: 0, handoffMs: 0, peerAuth: { mode: 'require' as const, secret: 'upstream-test-peer-secret-0123456789abcdef', windowMs: 300_000 } } };
  const cluster = new Cluster({ selfId: 'a', members, clock, peerSuspectMs: 1, peerMaxSuspectMs: 1, hotKeyRequestsPerSecond: 1, handoffMs: 0 });
  const purges = new PurgeLedger();
  purges.record({ seq: 1, ...purge });
  const metrics = new EdgeMetrics();
  const key = Array.from({ length: 100 }, (_, i) => `/k/${i}`).find((k) => !cluster.owns(k))!;
  return { upstream: new Upstream(o, cluster, metrics, purges, undefined), key, metrics, sent };
}

const cases: Array<[string, { kind: 'url' | 'key' | 'all'; values: string[] }, 'peer' | 'origin']> = [
  ['a purge of another URL', { kind: 'url', values: ['/elsewhere'] }, 'peer'],
  ['a purge of another surrogate key', { kind: 'key', values: ['green'] }, 'peer'],
  ['a purge of this URL', { kind: 'url', values: ['KEY'] }, 'origin'],
  ['a purge of one of its surrogate keys', { kind: 'key', values: ['blue'] }, 'origin'],
  ['a purge of everything', { kind: 'all', values: [] }, 'origin'],
];

for (const [what, purge, expected] of cases) {
  test(`the peer lacks ${what}: the answer goes to the ${expected}`, async () => {
    const probe = setup(purge);
    const s = setup(purge.kind === 'url' && purge.values[0] === 'KEY' ? { kind: 'url', values: [probe.key] } : purge);
    const routed = await s.upstream.get(s.key, { method: 'GET', target: s.key, headers: {} }, []);
    assert.is(routed.source.kind, expected);
    assert.is(s.metrics.peerFillsRefused, expected === 'origin' ? 1 : 0);
  });
}

test('the peer lacks a purge of a surrogate key its answer names only in its list of the copy\'s keys: the answer goes to the origin', async () => {
  const s = setup({ kind: 'key', values: ['blue'] }, [['cache-control', 'max-age=60, no-cache="surrogate-key"'], ['x-edgeworks-surrogate-keys', 'red blue']]);
  const routed = await s.upstream.get(s.key, { method: 'GET', target: s.key, headers: {} }, []);
  assert.is(routed.source.kind, 'origin');
  assert.is(s.metrics.peerFillsRefused, 1);
});

test.run();
