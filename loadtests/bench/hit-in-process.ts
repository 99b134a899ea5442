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
import type { EdgeRequest } from '../../edge/pipeline/types.js';
import { inProcessEdge } from './in-process-edge.js';

const [rounds = 7, keys = 10_000, hitsPerRound = 2_000_000] = process.argv.slice(2).map(Number);

const edge = inProcessEdge();

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
