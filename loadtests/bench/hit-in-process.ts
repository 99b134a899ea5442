#!/usr/bin/env node
/**
 * The edge's own cost of a hit, in process: `Edge.handle` on stored keys with no sockets, so the
 * pipeline's per-request work (admitting the request, keying, lookup, the hit answer) is measured
 * without node:http's ~14 µs around it. Used to check that a change adds no avoidable work to the
 * hit path before the socket bench (`npm run bench`) is run on a quiet machine.
 *
 * node dist/loadtests/bench/hit-in-process.js [rounds=7] [keys=10000] [hitsPerRound=2000000]
 * Prints ns per hit for every round and the median. Requests look like wrk's: a Host field only.
 */
import type { HeaderList } from '../../common/http.js';
import type { Clock, Transport } from '../../common/ports.js';
import { Edge } from '../../edge/pipeline/edge.js';
import type { EdgeRequest } from '../../edge/pipeline/types.js';

const [rounds = 7, keys = 10_000, hitsPerRound = 2_000_000] = process.argv.slice(2).map(Number);

const clock: Clock = { wallMs: () => 1_700_000_000_000, monoMs: () => 0 };
const body = Buffer.alloc(1024, 'x');
const transport = {
  async request() {
    const headers: HeaderList = [['cache-control', 'max-age=3600'], ['content-length', String(body.length)], ['content-type', 'text/plain']];
    return { status: 200, headers, body: (async function* () { yield body; })(), discard: () => undefined };
  },
  close: async () => undefined,
} as unknown as Transport;

const edge = new Edge({
  cacheName: 'bench',
  originUrl: 'http://127.0.0.1:1',
  clock,
  timers: { after: () => ({ cancel: () => undefined }) },
  transport,
  logger: { log: () => undefined },
  maxBytes: 256 * 1024 * 1024,
  maxObjectBytes: 8 * 1024 * 1024,
  originTimeouts: { connectMs: 1000, headersMs: 1000, bodyIdleMs: 1000 },
  collapseWaitMs: 1000,
  setCookie: 'bypass',
  heuristic: { fraction: 0.1, maxSeconds: 86_400 },
  staleIfErrorDefaultSeconds: 60,
  honorRequestCacheControl: true,
  keyHost: 'origin',
});

// One request object per key, as node:http makes one per request: a target and a Host field.
const requests: EdgeRequest[] = [];
// Flat strings, as node:http hands targets over (a template literal would make a rope).
for (let i = 0; i < keys; i++) requests.push({ method: 'GET', target: Buffer.from(`/objects/${i}?v=1`).toString('latin1'), headers: { host: '127.0.0.1:8080' } });
for (const req of requests) {
  const res = await edge.handle(req);
  if (res.status !== 200) throw new Error(`fill of ${req.target} answered ${res.status}`);
}

let sink = 0;
const perRoundNs: number[] = [];
for (let round = 0; round < rounds; round++) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < hitsPerRound; i++) {
    const res = edge.handle(requests[i % keys]!) as { status: number };
    sink += res.status;
  }
  perRoundNs.push(Number(process.hrtime.bigint() - started) / hitsPerRound);
}
if (sink !== 200 * rounds * hitsPerRound) throw new Error('a request was not a hit');
const sorted = [...perRoundNs].sort((a, b) => a - b);
console.log(`ns per hit, ${rounds} rounds of ${hitsPerRound} over ${keys} keys: ${perRoundNs.map((n) => n.toFixed(0)).join(' ')}; median ${sorted[Math.floor(rounds / 2)]!.toFixed(0)}`);
