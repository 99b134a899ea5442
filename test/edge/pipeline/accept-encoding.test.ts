/**
 * A response with Vary: Accept-Encoding is stored at most three times (br, gzip, identity)
 * whatever spellings clients send, and the origin is sent the normalized value the variant is
 * keyed by. The transport records what reached the origin; nothing waits on real time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutboundRequest, OutboundResponse, Transport } from '../../../common/ports.js';
import { AcceptEncodingNormalizer, MAX_MEMO_ENTRIES } from '../../../edge/pipeline/accept-encoding-normalizer.js';
import { Edge } from '../../../edge/pipeline/edge.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testEdgeOptions } from '../../support/test-edge-options.js';
import { viewCostPerItem } from '../../support/heap-per-item.js';

/** An origin that varies on Accept-Encoding and answers with the coding it was asked for. */
function varyingOrigin(clock: FakeClock, seen: string[]): Transport {
  return {
    async request(req: OutboundRequest): Promise<OutboundResponse> {
      const ae = req.headers.filter(([n]) => n === 'accept-encoding').map(([, v]) => v).join(', ');
      seen.push(ae);
      const body = Buffer.from(`body for ${ae}`);
      return {
        status: 200,
        headers: [
          ['cache-control', 'max-age=600'],
          ['vary', 'Accept-Encoding'],
          ['content-length', String(body.length)],
          ['date', new Date(clock.wallMs()).toUTCString()],
          ['x-coding', ae],
        ],
        body: (async function* () {
          yield body;
        })(),
        discard: () => undefined,
      };
    },
    close: async () => undefined,
  };
}

async function get(edge: Edge, acceptEncoding: string | undefined) {
  const headers: Record<string, string> = { host: 'x' };
  if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding;
  const res = await edge.handle({ method: 'GET', target: '/v', headers });
  if (res.body !== undefined && !Buffer.isBuffer(res.body)) for await (const _ of res.body);
  const coding = res.headers[res.headers.indexOf('x-coding') + 1];
  return { kind: res.outcome.kind, coding };
}

test('the issue\'s mix of browsers plus clients without the field: three origin fetches, then only hits', async () => {
  const clock = new FakeClock();
  const seen: string[] = [];
  const edge = new Edge(testEdgeOptions({ cacheName: 'e', originUrl: 'http://127.0.0.1:9', clock, transport: varyingOrigin(clock, seen) }));
  const mix: Array<[string | undefined, number]> = [
    ['gzip, deflate, br, zstd', 60],
    ['gzip, deflate, br', 25],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', 10],
    ['gzip', 5],
    [undefined, 3],
    ['', 2],
  ];
  const outcomes: Record<string, number> = {};
  for (let round = 0; round < 2; round++) {
    for (const [ae, n] of mix) {
      for (let i = 0; i < n; i++) {
        const r = await get(edge, ae);
        outcomes[r.kind] = (outcomes[r.kind] ?? 0) + 1;
      }
    }
  }
  assert.equal(seen, ['br', 'gzip', 'identity'], 'the origin saw each normalized value once');
  assert.equal(outcomes, { miss: 3, hit: 207 });
  assert.is(edge.store.stats().entries, 1, 'one URL');
  // Each client got the variant for its normalized value.
  assert.is((await get(edge, 'gzip, deflate, br, zstd')).coding, 'br');
  assert.is((await get(edge, 'gzip;q=1, br;q=0.1')).coding, 'gzip');
  assert.is((await get(edge, 'deflate')).coding, 'identity');
});

test('normalizer: rewrites in place, leaves normalized values alone, memo stays bounded', () => {
  const n = new AcceptEncodingNormalizer();
  const h: Record<string, string | undefined> = { 'accept-encoding': 'gzip, deflate, br' };
  n.apply(h);
  assert.is(h['accept-encoding'], 'br');
  const absent: Record<string, string | undefined> = {};
  n.apply(absent);
  assert.is(absent['accept-encoding'], 'identity');
  for (let i = 0; i < MAX_MEMO_ENTRIES + 10; i++) n.apply({ 'accept-encoding': `gzip;q=0.${i % 10}, x${i}` });
  assert.ok((n as unknown as { memo: Map<string, string> }).memo.size <= MAX_MEMO_ENTRIES);
});

test('the normalizer memo keeps nothing else alive: a value sliced from a request head does not keep the head', () => {
  // The own HTTP/1.1 parser slices a value that changed since the connection's last request from
  // the head it decoded; remembered as it came, each of up to MAX_MEMO_ENTRIES spellings kept a head.
  const n = new AcceptEncodingNormalizer();
  const headChars = 8_192;
  const perSpelling = viewCostPerItem((MAX_MEMO_ENTRIES - 10) >> 1, headChars, (i) => `gzip;q=0.5, x-coding-${i}`, (value) => n.apply({ 'accept-encoding': value }));
  assert.ok(perSpelling < headChars / 4, `${perSpelling.toFixed(0)} bytes of heap per remembered spelling over plain values, heads of ${headChars}`);
});

test.run();
