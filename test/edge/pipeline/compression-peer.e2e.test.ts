/**
 * --compress across a peer hop: the owner fetches once from the origin (identity) and keeps the
 * codings; a non-owner forwards its client's normalized Accept-Encoding and relays the owner's
 * variant as it is (its own Vary entry, at most three per key in its hot store). One origin
 * fetch per object in the region whatever edge and coding clients use. Two real Edges in one
 * process, joined by a Transport that hands peer requests to the other edge's handle().
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { HeaderList } from '../../../common/http.js';
import type { OutboundRequest, OutboundResponse, Transport } from '../../../common/ports.js';
import { Edge } from '../../../edge/pipeline/edge.js';
import type { EdgeResponse } from '../../../edge/pipeline/types.js';
import { DEFAULT_PEER_AUTH_WINDOW_MS } from '../../../edge/routing/peer-auth.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testEdgeOptions } from '../../support/test-edge-options.js';
import { compressionOn } from '../../support/compression.js';

const ORIGIN = 'http://origin.test';
const TEXT = Buffer.from('{"items":[' + Array.from({ length: 200 }, (_, i) => `{"id":${i},"name":"item ${i}"}`).join(',') + ']}');

async function* once(b: Buffer): AsyncIterable<Uint8Array> {
  yield b;
}

function toOutbound(res: EdgeResponse): OutboundResponse {
  const headers: HeaderList = [];
  for (let i = 0; i + 1 < res.headers.length; i += 2) headers.push([res.headers[i]!, res.headers[i + 1]!]);
  const body = res.body === undefined ? once(Buffer.alloc(0)) : Buffer.isBuffer(res.body) ? once(res.body) : res.body;
  return { status: res.status, headers, body, discard: () => undefined };
}

function region() {
  const clock = new FakeClock();
  const originAsked: Array<string | undefined> = [];
  const edges = new Map<string, Edge>();
  const transport: Transport = {
    async request(req: OutboundRequest): Promise<OutboundResponse> {
      if (req.origin === ORIGIN) {
        originAsked.push(req.headers.find(([n]) => n === 'accept-encoding')?.[1]);
        return toOutbound({
          status: 200,
          headers: ['date', new Date(clock.wallMs()).toUTCString(), 'cache-control', 'max-age=600', 'content-type', 'application/json', 'etag', '"j1"', 'content-length', String(TEXT.length)],
          body: TEXT,
          outcome: { kind: 'miss', hit: false, bytes: 0 },
        });
      }
      const peer = edges.get(req.origin)!;
      const headers: Record<string, string> = {};
      for (const [n, v] of req.headers) headers[n] = headers[n] === undefined ? v : `${headers[n]}, ${v}`;
      return toOutbound(await peer.handle({ method: req.method, target: req.target, headers }));
    },
    close: async () => undefined,
  };
  const members = [
    { id: 'e1', url: 'http://e1.test', weight: 1 },
    { id: 'e2', url: 'http://e2.test', weight: 1 },
  ];
  for (const m of members) {
    edges.set(
      m.url,
      new Edge({
        ...testEdgeOptions({ cacheName: m.id, originUrl: ORIGIN, clock, transport }),
        compression: compressionOn(),
        cluster: {
          selfId: m.id,
          members,
          peerTimeouts: { connectMs: 1000, headersMs: 1000, bodyIdleMs: 1000 },
          peerSuspectMs: 60_000,
          peerMaxSuspectMs: 60_000,
          hotKeyRequestsPerSecond: 1_000_000,
          hotCacheFraction: 0.1,
          handoffMs: 300_000,
          peerAuth: { mode: 'off', windowMs: DEFAULT_PEER_AUTH_WINDOW_MS },
        },
      }),
    );
  }
  return { e1: edges.get('http://e1.test')!, e2: edges.get('http://e2.test')!, originAsked };
}

async function get(edge: Edge, path: string, ae: string) {
  const res = await edge.handle({ method: 'GET', target: path, headers: { host: 'x', 'accept-encoding': ae } });
  const out = toOutbound(res);
  const parts: Buffer[] = [];
  for await (const c of out.body) parts.push(Buffer.from(c));
  const h = Object.fromEntries(out.headers.map(([n, v]) => [n.toLowerCase(), v]));
  return { status: res.status, h, body: Buffer.concat(parts) };
}

test('a non-owner\'s clients get their coding from the owner\'s variants; the origin is asked once, for identity', async () => {
  const { e1, e2, originAsked } = region();
  // A path e2 owns, requested at e1 (the non-owner) first.
  const path = Array.from({ length: 50 }, (_, i) => `/api/${i}`).find((p) => e2.cluster!.owns(p))!;
  for (let round = 0; round < 2; round++) {
    for (const [edge, ae] of [[e1, 'gzip, deflate, br, zstd'], [e1, 'gzip'], [e1, 'identity'], [e2, 'gzip, deflate, br'], [e2, 'gzip'], [e1, 'br;q=1.0, gzip;q=0.8, *;q=0.1']] as const) {
      const r = await get(edge, path, ae);
      assert.is(r.status, 200);
      const ce = r.h['content-encoding'];
      const plain = ce === 'br' ? brotliDecompressSync(r.body) : ce === 'gzip' ? gunzipSync(r.body) : r.body;
      assert.equal(plain, TEXT, `${edge.options.cacheName} ${ae}`);
      const expected = ae === 'identity' ? undefined : ae === 'gzip' ? 'gzip' : 'br';
      assert.is(ce, expected, `${edge.options.cacheName} ${ae}: coding`);
      assert.is(r.h['etag'], expected === undefined ? '"j1"' : `"j1-${expected === 'gzip' ? 'gz' : 'br'}"`);
      assert.match(r.h['vary'] ?? '', /accept-encoding/i);
    }
  }
  assert.equal(originAsked, ['identity'], 'one origin fetch in the region, for identity');
  assert.is(e2.compression!.counts.compressed, 2, 'the owner compressed each coding once');
  assert.is(e1.compression!.counts.compressed, 0, 'the non-owner relays the owner\'s variants');
  assert.ok(e1.hotStore!.stats().entries <= 1 && e1.store.stats().entries === 0);
});

test.run();
