#!/usr/bin/env node
/**
 * Where a 1 KiB hit allocates, by function: a real Edge (in-process-edge.ts) behind the own HTTP/1.1
 * layer on a stand-in socket (stand-in-socket.ts: writes dropped, so Node's socket write path is not
 * in it), hit over a hot set of 1,000 URLs. V8's sampling heap profiler runs with every sample kept,
 * also those of objects a GC has since freed (a live-heap profile would show almost nothing: a
 * hit's garbage dies young), and the bytes are summed per allocating function and divided by the
 * hits. Sampled, so a site's figure moves by a few bytes between runs; compare two builds by running
 * each in turn.
 *
 *   node --max-semi-space-size=4 dist/loadtests/bench/hit-alloc-sites.js [hits=200000] [wrk|browser] [top=15]
 */
import { sampleHeapSites } from './heap-sample-sites.js';
import { fillHotSet, inProcessEdge } from './in-process-edge.js';
import { NullSocket, requestStream, standInConnection, type RequestCase } from './stand-in-socket.js';


const args = process.argv.slice(2);
const hits = Number(args[0] ?? 200_000);
const requestCase = (args[1] ?? 'browser') as RequestCase;
const top = Number(args[2] ?? 15);
if (requestCase !== 'wrk' && requestCase !== 'browser') throw new Error(`request case: wrk or browser, not ${requestCase}`);

const KEYS = 1_000;
const requests = requestStream(requestCase, 976, KEYS);
const edge = inProcessEdge();
await fillHotSet(edge, Array.from({ length: KEYS }, (_x, k) => k));
const socket = new NullSocket();
let hitsSeen = 0;
standInConnection(socket, (req) => edge.handle(req), (r) => void (r.outcome.hit && hitsSeen++));
const run = (): void => {
  for (let i = 0; i < hits; i++) socket.emit('data', requests[i % requests.length]!);
};

run(); // JIT and kept answers first
const { bySite, totalBytes } = await sampleHeapSites(run, { samplingInterval: 256, keepYoungGarbage: true });
if (hitsSeen !== 2 * hits) throw new Error(`${hitsSeen} of ${2 * hits} requests were hits`);
process.stdout.write(`${requestCase} hits: ${(totalBytes / hits).toFixed(0)} B allocated per hit (sampled, ${hits} hits), by allocating function:\n`);
for (const [site, bytes] of bySite.slice(0, top)) {
  process.stdout.write(`${(bytes / hits).toFixed(0).padStart(7)} B  ${site}\n`);
}
