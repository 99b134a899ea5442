/**
 * Where a running edge allocates, sockets and all: a module preloaded into the edge binary that
 * samples with V8's heap profiler, young garbage kept, between two SIGUSR2 signals, then writes the
 * bytes per allocating function (with its caller) to EDGE_ALLOC_SITES_OUT (default
 * /tmp/edge-alloc-sites-<pid>.txt), largest first. hit-alloc-sites.ts measures the layer in process
 * on a stand-in socket that drops writes, so it misses what Node's socket write path allocates: in
 * a running edge that was a third of a browser-like hit's bytes, most of it the Writable's queue a
 * corked write went through (2026-12-03, loadtests/bench/RESULTS.md).
 *
 *   mkdir -p /tmp/logs; BENCH_EDGE_NODE_FLAGS=--import=$PWD/dist/loadtests/bench/edge-alloc-sites.js \
 *     BENCH_CASES=browser-1k BENCH_PEERS=none BENCH_ROUNDS=2 ... node dist/loadtests/bench/main.js &
 *   kill -USR2 <edge pid>     # once the rounds run: start sampling
 *   kill -USR2 <edge pid>     # a few seconds later: stop and write
 *
 * Bytes per request: the total over the seconds sampled, divided by the round's req/s; or a site
 * whose bytes per request are known (a head's string is its length plus 16) over its share.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { bytesBySite, type ProfileNode } from './heap-sample-sites.js';

const SAMPLING_INTERVAL_BYTES = 2048;
const TOP_SITES = 40;

const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
let startedAtMs: number | undefined;
let written = false;

function start(): void {
  startedAtMs = performance.now();
  session.post('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL_BYTES, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  // Said before the next signal is sent: two signals sent at once may arrive as one.
  process.stderr.write('edge-alloc-sites: sampling; send SIGUSR2 again to write the sites\n');
}

function stopAndWrite(): void {
  if (written) return;
  written = true;
  const seconds = (performance.now() - startedAtMs!) / 1000;
  session.post('HeapProfiler.stopSampling', (err, result) => {
    const out = process.env['EDGE_ALLOC_SITES_OUT'] ?? `/tmp/edge-alloc-sites-${process.pid}.txt`;
    if (err !== null) {
      process.stderr.write(`edge-alloc-sites: heap sampling failed: ${err.message}\n`);
      return;
    }
    const { bySite, totalBytes: total } = bytesBySite((result as unknown as { profile: { head: ProfileNode } }).profile.head, true);
    const lines = bySite.slice(0, TOP_SITES).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
    writeFileSync(out, `${(total / seconds / 1e6).toFixed(1)} MB/s sampled over ${seconds.toFixed(1)} s, by allocating function <- its caller:\n${lines.join('\n')}\n`);
    process.stderr.write(`edge-alloc-sites: wrote ${out}\n`);
  });
}

process.on('SIGUSR2', () => (startedAtMs === undefined ? start() : stopAndWrite()));
