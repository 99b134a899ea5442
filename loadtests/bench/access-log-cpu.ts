#!/usr/bin/env node
/**
 * What the access log costs per request, in process: the own HTTP/1.1 layer answering 1 KiB hits
 * on the stand-in socket (hit-layer-cpu.ts), watched the way edge/serve.ts watches it
 * (startRequestWatching with the duration histograms), once without an access log and once with
 * JSON (or combined) lines to a real file. Requests go in bursts with a turn of the event loop
 * between them, so the log's flush timer fires and its file writes happen inside the measured
 * round. CPU time of the whole process (user + system, the libuv thread that writes the file
 * included), not elapsed time: a busy machine disturbs it less than a throughput figure. The
 * difference between the two medians is the log's cost per request.
 *
 *   node dist/loadtests/bench/access-log-cpu.js [requests-per-round=200000] [rounds=7] [json|combined]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { systemClock, systemTimers } from '../../common/adapters/system-clock.js';
import type { AccessLogFormat } from '../../edge/access-log/format.js';
import { Http1Connection } from '../../edge/adapters/http1/connection.js';
import { connectionOptions } from '../../edge/adapters/http1/server.js';
import { startRequestWatching, type RequestWatching } from '../../edge/adapters/request-watching.js';
import { RequestDurations } from '../../edge/pipeline/request-durations.js';
import { answer, NullSocket, REQUEST } from './stand-in-socket.js';

const args = process.argv.slice(2);
const requests = Number(args[0] ?? 200_000);
const rounds = Number(args[1] ?? 7);
const format = (args[2] ?? 'json') as AccessLogFormat;
/** Requests between two turns of the event loop: about what one busy connection's reads deliver. */
const BURST = 256;
/**
 * The stand-in socket makes a request about ten times cheaper than a real one (no kernel), so
 * this process logs about ten times the lines per second of a busy edge; a tenth of the default
 * 100 ms flush delay keeps the lines per flush (and so the queue and the writes) as in the edge.
 */
const FLUSH_DELAY_MS = Number(process.env['ACCESS_LOG_FLUSH_MS'] ?? 10);
/**
 * Above the edge's default (16,384): on a busy shared machine the file writes fall behind now and
 * then, and a dropped line costs nothing, which flattered the figure (runs with ~20,000 drops
 * measured ~10% cheaper). Drops are still printed.
 */
const MAX_QUEUED = 262_144;

const logger = { log: () => undefined };

function serve(watching: RequestWatching): NullSocket {
  const response = answer(true);
  const socket = new NullSocket();
  new Http1Connection(
    socket as unknown as Socket,
    () => response,
    connectionOptions({ keepAliveTimeoutMs: 5_000, headersTimeoutMs: 10_000, timers: systemTimers, clock: systemClock, logger, watch: watching.watch }),
    () => undefined,
  );
  return socket;
}

/** CPU ns per request in one round, and the system (kernel) part of it. */
async function nsPerRequest(socket: NullSocket, n: number): Promise<{ ns: number; systemNs: number }> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i += BURST) {
    for (let j = 0; j < BURST; j++) socket.emit('data', REQUEST);
    await turn();
  }
  const used = process.cpuUsage(before);
  return { ns: ((used.user + used.system) * 1000) / n, systemNs: (used.system * 1000) / n };
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

const dir = mkdtempSync(join(tmpdir(), 'access-log-cpu-'));
const file = join(dir, 'access.log');
const without = startRequestWatching({ accessLog: { format, maxQueued: MAX_QUEUED, flushDelayMs: FLUSH_DELAY_MS } }, { clock: systemClock, timers: systemTimers, logger }, [new RequestDurations()]);
const withLog = startRequestWatching({ accessLog: { target: file, format, maxQueued: MAX_QUEUED, flushDelayMs: FLUSH_DELAY_MS } }, { clock: systemClock, timers: systemTimers, logger }, [new RequestDurations()]);
const plain = serve(without);
const logged = serve(withLog);

await nsPerRequest(plain, requests); // JIT
await nsPerRequest(logged, requests);
const off: number[] = [];
const on: number[] = [];
// Alternating rounds, so a change in the machine's load falls on both.
for (let r = 0; r < rounds; r++) {
  const a = await nsPerRequest(plain, requests);
  const b = await nsPerRequest(logged, requests);
  off.push(a.ns);
  on.push(b.ns);
  process.stdout.write(`round ${r + 1}: off ${a.ns.toFixed(0)} ns (system ${a.systemNs.toFixed(0)}), on ${b.ns.toFixed(0)} ns (system ${b.systemNs.toFixed(0)}) per request\n`);
}
await withLog.close();
const log = withLog.accessLog!;
const offNs = median(off);
const onNs = median(on);
process.stdout.write(
  `median of ${rounds} rounds of ${requests} requests (${format}): off ${offNs.toFixed(0)} ns, on ${onNs.toFixed(0)} ns, ` +
    `access log ${(onNs - offNs).toFixed(0)} ns per request, off/on ${(offNs / onNs).toFixed(3)}; ` +
    `${log.written} lines written, ${log.dropped} dropped, ${statSync(file).size} bytes\n`,
);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
