/**
 * The edge's own compression end to end through Edge.handle: one origin fetch per object serves
 * every Accept-Encoding of the mix, compressed bytes decode to the origin's body, each
 * coding has its own ETag (If-None-Match and Range work on it), and what must not be transformed
 * is not. The origin is an in-process Transport that records what it was asked; compression is
 * the synchronous Compressor, so nothing depends on real time or thread scheduling.
 */
import { Interner } from '../../../edge/store/intern.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { HeaderList } from '../../../common/http.js';
import type { Compressor, OutboundRequest, OutboundResponse, Transport } from '../../../common/ports.js';
import { syncCompressor } from '../../../common/sync-compressor.js';
import { EdgeCompression, type CompressionOptions } from '../../../edge/pipeline/compressed-variants.js';
import { Edge } from '../../../edge/pipeline/edge.js';
import { buildStoredResponse } from '../../../edge/pipeline/build-stored.js';
import { effectiveDirectives } from '../../../edge/policy/freshness.js';
import type { StoredResponse } from '../../../edge/store/stored-response.js';
import type { EdgeResponse } from '../../../edge/pipeline/types.js';
import { FakeClock } from '../../support/fake-clock.js';
import { testEdgeOptions } from '../../support/test-edge-options.js';
import { compressionOn } from '../../support/compression.js';

const MIX = ['gzip, deflate, br, zstd', 'gzip, deflate, br', 'br;q=1.0, gzip;q=0.8, *;q=0.1', 'gzip'];
const TEXT = Buffer.from('<p>edgeworks compresses this text because it repeats itself. </p>\n'.repeat(100));

interface OriginReply {
  headers: HeaderList;
  body: Buffer;
}

/** An origin answering every path with `reply(path)`, recording each request's Accept-Encoding. */
function recordingOrigin(clock: FakeClock, reply: (path: string) => OriginReply, asked: Array<{ path: string; ae: string | undefined }>): Transport {
  return {
    async request(req: OutboundRequest): Promise<OutboundResponse> {
      asked.push({ path: req.target, ae: req.headers.find(([n]) => n === 'accept-encoding')?.[1] });
      const r = reply(req.target);
      return {
        status: 200,
        headers: [['date', new Date(clock.wallMs()).toUTCString()], ['content-length', String(r.body.length)], ...r.headers],
        body: (async function* () {
          yield r.body;
        })(),
        discard: () => undefined,
      };
    },
    close: async () => undefined,
  };
}

const html = (extra: HeaderList = []): OriginReply => ({
  headers: [['cache-control', 'max-age=600'], ['content-type', 'text/html'], ['etag', '"abc"'], ['vary', 'Accept-Encoding'], ...extra],
  body: TEXT,
});

function edgeWith(reply: (path: string) => OriginReply, compression: CompressionOptions | 'off' = compressionOn()) {
  const clock = new FakeClock();
  const asked: Array<{ path: string; ae: string | undefined }> = [];
  const edge = new Edge({
    ...testEdgeOptions({ cacheName: 'e', originUrl: 'http://127.0.0.1:9', clock, transport: recordingOrigin(clock, reply, asked) }),
    ...(compression === 'off' ? {} : { compression }),
  });
  return { edge, asked, clock };
}

interface Got {
  status: number;
  h: Record<string, string>;
  body: Buffer;
  kind: string;
}

async function send(edge: Edge, method: string, path: string, headers: Record<string, string>): Promise<Got> {
  const res: EdgeResponse = await edge.handle({ method, target: path, headers: { host: 'x', ...headers } });
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < res.headers.length; i += 2) h[res.headers[i]!.toLowerCase()] = res.headers[i + 1]!;
  let body: Buffer = Buffer.alloc(0);
  if (Buffer.isBuffer(res.body)) body = res.body;
  else if (res.body !== undefined) {
    const parts: Buffer[] = [];
    for await (const c of res.body) parts.push(Buffer.from(c));
    body = Buffer.concat(parts);
  }
  return { status: res.status, h, body, kind: res.outcome.kind };
}

const get = (edge: Edge, path: string, headers: Record<string, string> = {}) => send(edge, 'GET', path, headers);

function decoded(r: Got): Buffer {
  const ce = r.h['content-encoding'];
  if (ce === 'br') return brotliDecompressSync(r.body);
  if (ce === 'gzip') return gunzipSync(r.body);
  assert.is(ce, undefined, 'no other coding');
  return r.body;
}

test('the issue\'s mix and identity: one origin fetch (asked identity); each gets its coding, all decode to the origin\'s body', async () => {
  const { edge, asked } = edgeWith(() => html());
  const seen: Record<string, string> = {};
  for (let round = 0; round < 3; round++) {
    for (const ae of [...MIX, 'identity', '']) {
      const r = await get(edge, '/page', ae === '' ? {} : { 'accept-encoding': ae });
      assert.is(r.status, 200);
      assert.equal(decoded(r), TEXT, `${ae} decodes to the origin's bytes`);
      assert.is(r.h['content-length'], String(r.body.length));
      assert.match(r.h['vary']!, /accept-encoding/i);
      seen[ae] = `${r.h['content-encoding'] ?? 'identity'} ${r.h['etag']}`;
    }
  }
  assert.equal(asked, [{ path: '/page', ae: 'identity' }], 'one origin fetch, for identity');
  assert.equal(seen, {
    'gzip, deflate, br, zstd': 'br "abc-br"',
    'gzip, deflate, br': 'br "abc-br"',
    'br;q=1.0, gzip;q=0.8, *;q=0.1': 'br "abc-br"',
    gzip: 'gzip "abc-gz"',
    identity: 'identity "abc"',
    '': 'identity "abc"',
  });
  assert.is(edge.store.stats().entries, 1);
  assert.is(edge.compression!.counts.compressed, 2, 'each coding compressed once');
});

test('the variants\' bytes count toward the store\'s bound', async () => {
  const on = edgeWith(() => html());
  const off = edgeWith(() => html(), 'off');
  await get(on.edge, '/page');
  await get(off.edge, '/page');
  const variantBytes = on.edge.store.stats().bytes - off.edge.store.stats().bytes;
  const [br, gz] = [await get(on.edge, '/page', { 'accept-encoding': 'br' }), await get(on.edge, '/page', { 'accept-encoding': 'gzip' })];
  assert.ok(variantBytes >= br.body.length + gz.body.length, `${variantBytes} charged for ${br.body.length} + ${gz.body.length} compressed bytes`);
});

test('a weak origin ETag stays weak on the variants', async () => {
  const weak = edgeWith(() => ({ ...html(), headers: html().headers.map(([n, v]): [string, string] => (n === 'etag' ? [n, 'W/"v1"'] : [n, v])) }));
  assert.is((await get(weak.edge, '/w', { 'accept-encoding': 'gzip' })).h['etag'], 'W/"v1-gz"');
  assert.is((await get(weak.edge, '/w', { 'accept-encoding': 'br' })).h['etag'], 'W/"v1-br"');
  assert.is((await get(weak.edge, '/w')).h['etag'], 'W/"v1"');
});

test('If-None-Match on the gzip ETag: 304 for a gzip client, the full br variant for a br client (RFC 9110 §13.1.2)', async () => {
  const { edge, asked } = edgeWith(() => html());
  await get(edge, '/page', { 'accept-encoding': 'gzip' });
  const notModified = await get(edge, '/page', { 'accept-encoding': 'gzip', 'if-none-match': '"abc-gz"' });
  assert.is(notModified.status, 304);
  assert.is(notModified.h['etag'], '"abc-gz"');
  assert.is(notModified.h['content-encoding'], 'gzip');
  assert.is(notModified.body.length, 0);
  const otherCoding = await get(edge, '/page', { 'accept-encoding': 'br', 'if-none-match': '"abc-gz"' });
  assert.is(otherCoding.status, 200);
  assert.is(otherCoding.h['etag'], '"abc-br"');
  const identityTag = await get(edge, '/page', { 'accept-encoding': 'gzip', 'if-none-match': '"abc"' });
  assert.is(identityTag.status, 200, 'the identity tag does not validate the gzip bytes');
  assert.is(asked.length, 1);
});

test('Range on a compressed variant is served on that variant\'s bytes, with its ETag and If-Range (RFC 9110 §14)', async () => {
  const { edge } = edgeWith(() => html());
  const whole = await get(edge, '/page', { 'accept-encoding': 'br' });
  const part = await get(edge, '/page', { 'accept-encoding': 'br', range: 'bytes=0-9' });
  assert.is(part.status, 206);
  assert.is(part.h['content-encoding'], 'br');
  assert.is(part.h['etag'], '"abc-br"');
  assert.is(part.h['content-range'], `bytes 0-9/${whole.body.length}`);
  assert.equal(part.body, whole.body.subarray(0, 10));
  const ifRange = await get(edge, '/page', { 'accept-encoding': 'br', range: 'bytes=0-9', 'if-range': '"abc-br"' });
  assert.is(ifRange.status, 206);
  const staleValidator = await get(edge, '/page', { 'accept-encoding': 'br', range: 'bytes=0-9', 'if-range': '"abc"' });
  assert.is(staleValidator.status, 200, 'If-Range with another coding\'s tag gets the whole variant');
  assert.is(staleValidator.h['content-encoding'], 'br');
});

test('HEAD gets the variant\'s fields without a body', async () => {
  const { edge } = edgeWith(() => html());
  const full = await get(edge, '/page', { 'accept-encoding': 'gzip' });
  const head = await send(edge, 'HEAD', '/page', { 'accept-encoding': 'gzip' });
  assert.is(head.status, 200);
  assert.is(head.h['content-encoding'], 'gzip');
  assert.is(head.h['content-length'], String(full.body.length));
  assert.is(head.body.length, 0);
});

test('untouched: no-transform, already-encoded, non-compressible, small; a request\'s no-transform gets identity', async () => {
  const gzipped = gzipSync(TEXT);
  const replies: Record<string, OriginReply> = {
    '/nt': { headers: [['cache-control', 'max-age=600, no-transform'], ['content-type', 'text/html']], body: TEXT },
    '/enc': { headers: [['cache-control', 'max-age=600'], ['content-type', 'text/html'], ['content-encoding', 'gzip'], ['vary', 'Accept-Encoding']], body: gzipped },
    '/png': { headers: [['cache-control', 'max-age=600'], ['content-type', 'image/png']], body: TEXT },
    '/small': { headers: [['cache-control', 'max-age=600'], ['content-type', 'text/html']], body: Buffer.from('tiny') },
  };
  const { edge } = edgeWith((path) => replies[path] ?? html());
  for (const path of ['/nt', '/png', '/small']) {
    const r = await get(edge, path, { 'accept-encoding': 'br' });
    assert.is(r.h['content-encoding'], undefined, path);
    assert.equal(r.body, replies[path]!.body, path);
  }
  const enc = await get(edge, '/enc', { 'accept-encoding': 'gzip' });
  assert.is(enc.h['content-encoding'], 'gzip', 'the origin\'s coding passes as it is');
  assert.equal(enc.body, gzipped);
  await get(edge, '/page', { 'accept-encoding': 'br' });
  const forbidden = await get(edge, '/page', { 'accept-encoding': 'br', 'cache-control': 'no-transform' });
  assert.is(forbidden.h['content-encoding'], undefined);
  assert.equal(forbidden.body, TEXT);
});

test('a 304 revalidation keeps the compressed copies without compressing again; a new body gets new ones', async () => {
  const clock = new FakeClock();
  let version = 1;
  const asked: string[] = [];
  const transport: Transport = {
    async request(req: OutboundRequest): Promise<OutboundResponse> {
      const inm = req.headers.find(([n]) => n === 'if-none-match')?.[1];
      asked.push(inm ?? '-');
      const etag = `"v${version}"`;
      const body = Buffer.from(`version ${version}: `.repeat(200));
      const base: HeaderList = [['date', new Date(clock.wallMs()).toUTCString()], ['cache-control', 'max-age=1'], ['content-type', 'text/plain'], ['etag', etag]];
      if (inm === etag) return { status: 304, headers: base, body: (async function* () {})(), discard: () => undefined };
      return { status: 200, headers: [...base, ['content-length', String(body.length)]], body: (async function* () { yield body; })(), discard: () => undefined };
    },
    close: async () => undefined,
  };
  const edge = new Edge({ ...testEdgeOptions({ cacheName: 'e', originUrl: 'http://127.0.0.1:9', clock, transport }), compression: compressionOn() });
  assert.is((await get(edge, '/r', { 'accept-encoding': 'br' })).h['etag'], '"v1-br"');
  clock.advance(2000);
  const revalidated = await get(edge, '/r', { 'accept-encoding': 'br' });
  assert.is(revalidated.kind, 'revalidated');
  assert.is(revalidated.h['content-encoding'], 'br');
  assert.equal(brotliDecompressSync(revalidated.body).toString(), 'version 1: '.repeat(200));
  assert.equal(asked, ['-', '"v1"'], 'revalidated with the origin\'s own (identity) ETag');
  assert.is(edge.compression!.counts.compressed, 2, 'the copies were reused');
  version = 2;
  clock.advance(2000);
  const changed = await get(edge, '/r', { 'accept-encoding': 'gzip' });
  assert.is(changed.h['etag'], '"v2-gz"');
  assert.equal(gunzipSync(changed.body).toString(), 'version 2: '.repeat(200));
  assert.is(edge.compression!.counts.compressed, 4);
});

test('without --compress nothing changes: the origin is sent the normalized coding and its answer passes as it is', async () => {
  const { edge, asked } = edgeWith(() => html(), 'off');
  const r = await get(edge, '/page', { 'accept-encoding': 'gzip, deflate, br' });
  assert.is(r.h['content-encoding'], undefined);
  assert.equal(asked, [{ path: '/page', ae: 'br' }]);
});

test('a burst is bounded: beyond maxConcurrent + maxQueued a fill is stored uncompressed and counted', async () => {
  const held: Array<() => void> = [];
  const slow: Compressor = {
    compress: (coding, body, q) => new Promise((resolve) => held.push(() => resolve(syncCompressor.compress(coding, body, q))))
      .then((p) => p as Promise<Buffer>),
  };
  const c = new EdgeCompression(compressionOn({ compressor: slow, maxConcurrent: 1, maxQueued: 1, codings: ['gzip'] }));
  const fills: StoredResponse[] = [0, 1, 2].map(() => storedText());
  const runs = fills.map((r) => c.attach(r, ['gzip'], undefined));
  await Promise.resolve();
  assert.is(held.length, 1, 'one compression runs');
  assert.is(c.counts.skipped, 1, 'one waits, the third is refused');
  while (held.length > 0) {
    held.shift()!();
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(runs);
  assert.is(c.counts.compressed, 2);
  assert.is(fills.filter((f) => f.variants?.length === 1).length, 2, 'two fills got their variant');
  assert.is(fills[2]!.variants, undefined, 'the refused fill has none');
});

/** A stored text response as build-stored makes it. */
function storedText(): StoredResponse {
  return buildStoredResponse(
    { method: 'GET', requestHeaders: {}, status: 200, headers: [['cache-control', 'max-age=60'], ['content-type', 'text/plain']], requestTimeMs: 0, responseTimeMs: 0, responseMonoMs: 0 },
    { effective: effectiveDirectives([['cache-control', 'max-age=60']]), lifetime: { lifetimeMs: 60_000, heuristic: false } },
    TEXT,
    { setCookie: 'bypass', heuristic: { fraction: 0.1, maxSeconds: 60 }, staleIfErrorDefaultSeconds: 0, via: '1.1 e', interner: new Interner() },
  );
}

test.run();
