#!/usr/bin/env node
// Hit ratio of one edge (in-process, fake time, a stand-in origin) for the Accept-Encoding mix of
// issue #18, with and without `Vary: Accept-Encoding` on every response, and with the edge
// compressing itself (--compress gzip,br: origin asked for identity, gzip/br variants kept with it).
// Deterministic: a seeded Zipf over the objects, no sockets, no real time, synchronous zlib.
//   node scripts/vary-hit-ratio.mjs [distDir] [objects] [requests]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? 'dist');
const objects = Number(process.argv[3] ?? 2000);
const requests = Number(process.argv[4] ?? 200000);
const { Edge } = await import(pathToFileURL(`${dist}/edge/pipeline/edge.js`).href);
const { syncCompressor } = await import(pathToFileURL(`${dist}/common/sync-compressor.js`).href);
const { COMPRESSION_DEFAULTS } = await import(pathToFileURL(`${dist}/edge/policy/compression.js`).href);
const { COMPRESSION_QUEUE_DEFAULTS } = await import(pathToFileURL(`${dist}/edge/pipeline/compressed-variants.js`).href);

const MIX = [
  ['gzip, deflate, br, zstd', 0.6],
  ['gzip, deflate, br', 0.25],
  ['br;q=1.0, gzip;q=0.8, *;q=0.1', 0.1],
  ['gzip', 0.05],
];

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

async function run(vary, compress = false) {
  let nowMs = 0;
  const clock = { wallMs: () => Date.UTC(2026, 10, 26) + nowMs, monoMs: () => nowMs };
  let originRequests = 0;
  const transport = {
    async request() {
      originRequests++;
      const body = Buffer.alloc(1024, 97);
      const headers = [['cache-control', 'max-age=86400'], ['content-length', '1024'], ['content-type', 'text/plain'], ['date', new Date(clock.wallMs()).toUTCString()]];
      if (vary) headers.push(['vary', 'Accept-Encoding']);
      return { status: 200, headers, body: (async function* () { yield body; })(), discard() {} };
    },
    async close() {},
  };
  const silent = { log() {} };
  const timers = { after: () => ({ cancel() {} }) };
  const edge = new Edge({
    cacheName: 'e', originUrl: 'http://127.0.0.1:9', clock, transport, timers, logger: silent,
    maxBytes: 1024 * 1024 * 1024, maxObjectBytes: 1024 * 1024,
    originTimeouts: { connectMs: 1000, headersMs: 1000, bodyIdleMs: 1000 }, collapseWaitMs: 1000,
    setCookie: 'bypass', heuristic: { fraction: 0.1, maxSeconds: 86400 }, staleIfErrorDefaultSeconds: 60,
    honorRequestCacheControl: true, keyHost: 'origin',
    ...(compress ? { compression: { codings: ['gzip', 'br'], ...COMPRESSION_DEFAULTS, ...COMPRESSION_QUEUE_DEFAULTS, compressor: syncCompressor } } : {}),
  });
  const requested = new Set();
  let compressedAnswers = 0;
  // Zipf(1.0) over objects by inverse CDF.
  const weights = Array.from({ length: objects }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  const next = rng(42);
  let hits = 0;
  for (let i = 0; i < requests; i++) {
    const u = next();
    let lo = 0, hi = cdf.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid] < u) lo = mid + 1; else hi = mid; }
    const m = next();
    let ae = MIX[MIX.length - 1][0];
    for (let c = 0, j = 0; j < MIX.length; j++) { c += MIX[j][1]; if (m < c) { ae = MIX[j][0]; break; } }
    const res = await edge.handle({ method: 'GET', target: `/o/${lo}`, headers: { host: 'x', 'accept-encoding': ae } });
    if (res.body !== undefined && !Buffer.isBuffer(res.body)) for await (const _ of res.body);
    if (res.outcome.kind === 'hit') hits++;
    requested.add(lo);
    if (res.headers.includes('content-encoding')) compressedAnswers++;
    nowMs += 1;
  }
  return { hitRatio: hits / requests, originRequests, perObject: originRequests / requested.size, compressedShare: compressedAnswers / requests };
}

const plain = await run(false);
const varied = await run(true);
const compressed = await run(true, true);
console.log(`dist ${dist}: ${objects} objects, ${requests} requests, Zipf 1.0, issue #18 Accept-Encoding mix`);
console.log(`no Vary:                 hit ratio ${plain.hitRatio.toFixed(4)}, origin requests ${plain.originRequests}`);
console.log(`Vary: Accept-Encoding:   hit ratio ${varied.hitRatio.toFixed(4)}, origin requests ${varied.originRequests}`);
console.log(`ratio of hit ratios:     ${(varied.hitRatio / plain.hitRatio).toFixed(4)}`);
console.log(`--compress gzip,br:      hit ratio ${compressed.hitRatio.toFixed(4)}, origin requests ${compressed.originRequests}, ${compressed.perObject.toFixed(3)} per object, compressed answers ${(compressed.compressedShare * 100).toFixed(1)}%`);
console.log(`ratio to no Vary:        ${(compressed.hitRatio / plain.hitRatio).toFixed(4)} (target >= 0.98; origin fetches per object: target 1)`);
