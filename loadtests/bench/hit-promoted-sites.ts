#!/usr/bin/env node
/**
 * What hits leave for the old generation, by allocating function: a real Edge (in-process-edge.ts)
 * behind the own HTTP/1.1 layer on a stand-in socket, hit over a 10,000-URL hot set in the bench's
 * stride order, on a clock that moves as if 70,000 hits came each second, so answers are retimed
 * and swept as in a loaded edge. V8's sampling heap profiler keeps only samples of objects no
 * scavenge freed: what was promoted (and later died in a mark-compact, or is still alive). Young
 * garbage is cheap; promoted garbage grows the old generation until a mark-compact pauses the
 * edge, which is what the p99 of a loaded edge sees.
 *
 *   node --max-semi-space-size=4 --min-semi-space-size=4 dist/loadtests/bench/hit-promoted-sites.js [hits=1400000] [wrk|browser] [top=12]
 */
import { sampleHeapSites } from './heap-sample-sites.js';
import { fillHotSet, inProcessEdge } from './in-process-edge.js';
import { NullSocket, standInConnection, walkRequests, type RequestCase } from './stand-in-socket.js';

const args = process.argv.slice(2);
const hits = Number(args[0] ?? 1_400_000);
const requestCase = (args[1] ?? 'browser') as RequestCase;
const top = Number(args[2] ?? 12);
if (requestCase !== 'wrk' && requestCase !== 'browser') throw new Error(`request case: wrk or browser, not ${requestCase}`);

const KEYS = 10_000;
const HITS_PER_MS = 70;
let nowMs = 0;
const edge = inProcessEdge(1024, { wallMs: () => 1_700_000_000_000 + nowMs, monoMs: () => nowMs });
await fillHotSet(edge, Array.from({ length: KEYS }, (_x, k) => k)); // in URL order, as the bench fills
const requests = walkRequests(requestCase, KEYS);
const socket = new NullSocket();
let hitsSeen = 0;
standInConnection(socket, (req) => edge.handle(req), (r) => void (r.outcome.hit && hitsSeen++));
let sent = 0;
const run = (n: number): void => {
  for (let i = 0; i < n; i++, sent++) {
    nowMs = sent / HITS_PER_MS;
    socket.emit('data', requests[sent % KEYS]!);
  }
};

run(300_000); // JIT, kept answers, a few sweeps
const { bySite, totalBytes } = await sampleHeapSites(() => run(hits), { samplingInterval: 128, keepYoungGarbage: false });
if (hitsSeen !== sent) throw new Error(`${hitsSeen} of ${sent} requests were hits`);
const seconds = hits / HITS_PER_MS / 1000;
process.stdout.write(`${requestCase} hits over ${KEYS} URLs: ${(totalBytes / seconds / 1000).toFixed(0)} KB promoted per second at ${HITS_PER_MS * 1000} hits/s (sampled, ${seconds.toFixed(0)} s of clock), by allocating function:\n`);
for (const [site, bytes] of bySite.slice(0, top)) {
  process.stdout.write(`${(bytes / seconds / 1000).toFixed(1).padStart(8)} KB/s  ${site}\n`);
}
