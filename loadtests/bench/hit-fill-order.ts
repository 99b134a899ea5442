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
import { fillHotSet, fillTransport, inProcessEdge } from './in-process-edge.js';
import { hotWalk, NullSocket, standInConnection, walkRequests, type RequestCase } from './stand-in-socket.js';

const args = process.argv.slice(2);
const order = args[0] ?? 'url';
const requestCase = (args[1] ?? 'browser') as RequestCase;
const urls = Number(args[2] ?? 10_000);
if (order !== 'url' && order !== 'stride') throw new Error(`fill order: url or stride, not ${order}`);
if (requestCase !== 'wrk' && requestCase !== 'browser') throw new Error(`request case: wrk or browser, not ${requestCase}`);

const edge = inProcessEdge(1024, undefined, fillTransport(1024, true));
const walk = hotWalk(urls);
await fillHotSet(edge, order === 'stride' ? walk : Array.from({ length: urls }, (_x, k) => k));
const requests = walkRequests(requestCase, urls);
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
