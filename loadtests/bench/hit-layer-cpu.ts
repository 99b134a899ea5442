#!/usr/bin/env node
/**
 * CPU time per 1 KiB hit, in process, through the own HTTP/1.1 layer: the same stand-in socket as
 * hit-alloc.ts (writes dropped, so the kernel's share is left out) and the request watch the binary
 * installs when there is no access log (lean record, an observer that does nothing). Two handlers:
 *   answer  one reused answer with its kept field block: the layer alone
 *   edge    a real Edge (in-process-edge.ts) answering from its cache: layer plus pipeline, the
 *           whole hit path but the kernel
 * and two request cases (stand-in-socket.ts): `wrk` (Host, User-Agent) and `browser` (about 15
 * fields, about 800 bytes, varying User-Agent and Cookie, over a hot set). CPU time of this process
 * (user + system), not elapsed time, so a busy machine disturbs it less than a throughput figure;
 * still compare builds in alternating runs.
 *
 *   node dist/loadtests/bench/hit-layer-cpu.js [hits-per-round=200000] [rounds=7] [wrk|browser] [answer|edge]
 */
import type { RequestHandler } from '../../edge/adapters/http1/connection.js';
import { fillHotSet, inProcessEdge } from './in-process-edge.js';
import { answer, NullSocket, requestStream, standInConnection, type RequestCase } from './stand-in-socket.js';

const args = process.argv.slice(2);
const hits = Number(args[0] ?? 200_000);
const rounds = Number(args[1] ?? 7);
const requestCase = (args[2] ?? 'wrk') as RequestCase;
const handlerKind = args[3] ?? 'answer';
if (requestCase !== 'wrk' && requestCase !== 'browser') throw new Error(`request case: wrk or browser, not ${requestCase}`);
if (handlerKind !== 'answer' && handlerKind !== 'edge') throw new Error(`handler: answer or edge, not ${handlerKind}`);

const KEYS = 1_000;
const requests = requestStream(requestCase, 976, KEYS);
let handler: RequestHandler;
if (handlerKind === 'edge') {
  const edge = inProcessEdge();
  handler = (req) => edge.handle(req);
  await fillHotSet(edge, Array.from({ length: KEYS }, (_x, k) => k));
} else {
  const response = answer(true);
  handler = () => response;
}

const socket = new NullSocket();
let answered = 0;
let hitsSeen = 0;
standInConnection(socket, handler, (r) => {
  answered++;
  if (r.outcome.hit) hitsSeen++;
});

/** A hit is answered synchronously, inside the 'data' event: the loop needs no turn of the event loop. */
function nsPerHit(n: number): number {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) socket.emit('data', requests[i % requests.length]!);
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / n;
}

nsPerHit(hits); // JIT, kept block
const results: number[] = [];
for (let r = 0; r < rounds; r++) {
  results.push(nsPerHit(hits));
  process.stdout.write(`round ${r + 1}: ${results[r]!.toFixed(0)} ns/hit\n`);
}
if (hitsSeen !== answered || answered !== hits * (rounds + 1)) throw new Error(`${answered} answered, ${hitsSeen} hits: not every request was a hit`);
const median = [...results].sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
process.stdout.write(`median over ${rounds} rounds of ${hits} ${requestCase} hits (${handlerKind}): ${median.toFixed(0)} ns CPU per hit (stand-in socket, no kernel)\n`);
