#!/usr/bin/env node
/**
 * CPU time per hit over a 10,000-URL hot set walked in the bench's stride order, with the cache
 * filled either in URL order (as the bench's warm() does) or in that same stride order (as a cache
 * filled by the load generator itself would be). The difference is what memory locality is worth:
 * filled in the order it is read, the next object's body and field block are fetched early by the
 * hardware prefetcher. Real Edge behind the own HTTP/1.1 layer on a stand-in socket; each fill gets
 * a body of its own, as bodies read from an origin do. CPU time of this process, so compare the two
 * orders in alternating runs.
 *
 *   node --max-semi-space-size=4 --min-semi-space-size=4 dist/loadtests/bench/hit-fill-order.js [url|stride] [browser|wrk] [urls=10000]
 */
import type { HeaderList } from '../../common/http.js';
import type { Transport } from '../../common/ports.js';
import { inProcessEdge } from './in-process-edge.js';
import { NullSocket, requestStream, standInConnection, type RequestCase } from './stand-in-socket.js';
import { hotStride } from './url-set.js';

const args = process.argv.slice(2);
const order = args[0] ?? 'url';
const requestCase = (args[1] ?? 'browser') as RequestCase;
const urls = Number(args[2] ?? 10_000);
if (order !== 'url' && order !== 'stride') throw new Error(`fill order: url or stride, not ${order}`);
if (requestCase !== 'wrk' && requestCase !== 'browser') throw new Error(`request case: wrk or browser, not ${requestCase}`);

const freshBodies = {
  async request() {
    const body = Buffer.alloc(1024, 'x');
    const headers: HeaderList = [['cache-control', 'max-age=3600'], ['content-length', '1024'], ['content-type', 'text/plain']];
    return { status: 200, headers, body: (async function* () { yield body; })(), discard: () => undefined };
  },
  close: async () => undefined,
} as unknown as Transport;
const edge = inProcessEdge(1024, undefined, freshBodies);

const stride = hotStride(urls);
const walk = Array.from({ length: urls }, (_x, k) => (k * stride) % urls);
for (const k of order === 'stride' ? walk : walk.map((_x, k) => k)) {
  const res = await edge.handle({ method: 'GET', target: `/bench/hot/${k}`, headers: { host: '127.0.0.1:8080' } });
  if (res.status !== 200) throw new Error(`fill of /bench/hot/${k} answered ${res.status}`);
}
const byKey = requestStream(requestCase, urls, urls);
const requests = walk.map((k) => byKey[k]!);
const socket = new NullSocket();
let hits = 0;
standInConnection(socket, (req) => edge.handle(req), (r) => void (r.outcome.hit && hits++));

const nsPerHit = (n: number): number => {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) socket.emit('data', requests[i % urls]!);
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / n;
};
nsPerHit(200_000); // JIT, kept answers
const rounds = Array.from({ length: 5 }, () => Math.round(nsPerHit(200_000)));
if (hits !== 6 * 200_000) throw new Error(`${hits} of ${6 * 200_000} requests were hits`);
process.stdout.write(`${requestCase} hits over ${urls} URLs filled in ${order} order: ns CPU per hit, 5 rounds: ${rounds.join(' ')}\n`);
