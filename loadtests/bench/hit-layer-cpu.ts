#!/usr/bin/env node
/**
 * CPU time per 1 KiB hit spent in the own HTTP/1.1 layer, in process: the same stand-in socket as
 * hit-alloc.ts (writes dropped, so the kernel's share is left out), one reused answer with its kept
 * field block, and the request watch the binary installs when there is no access log (lean record,
 * an observer that does nothing). CPU time of this process (user + system), not elapsed time, so a
 * busy machine disturbs it less than a throughput figure; still compare builds in alternating runs.
 *
 *   node dist/loadtests/bench/hit-layer-cpu.js [hits-per-round=200000] [rounds=7]
 */
import type { Socket } from 'node:net';
import { systemClock, systemTimers } from '../../common/adapters/system-clock.js';
import { Http1Connection } from '../../edge/adapters/http1/connection.js';
import { connectionOptions } from '../../edge/adapters/http1/server.js';
import { answer, NullSocket, REQUEST } from './stand-in-socket.js';

const [hits = 200_000, rounds = 7] = process.argv.slice(2).map(Number);

const response = answer(true);
const socket = new NullSocket();
new Http1Connection(
  socket as unknown as Socket,
  () => response,
  connectionOptions({
    keepAliveTimeoutMs: 5_000,
    headersTimeoutMs: 10_000,
    timers: systemTimers,
    clock: systemClock,
    logger: { log: () => undefined },
    watch: { observer: { completed: () => undefined }, clock: systemClock, makeRequestId: () => 'id', fullRecord: false },
  }),
  () => undefined,
);

/** A hit is answered synchronously, inside the 'data' event: the loop needs no turn of the event loop. */
function nsPerHit(n: number): number {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) socket.emit('data', REQUEST);
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / n;
}

nsPerHit(hits); // JIT, kept block
const results: number[] = [];
for (let r = 0; r < rounds; r++) {
  results.push(nsPerHit(hits));
  process.stdout.write(`round ${r + 1}: ${results[r]!.toFixed(0)} ns/hit\n`);
}
const median = [...results].sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
process.stdout.write(`median over ${rounds} rounds of ${hits} hits: ${median.toFixed(0)} ns CPU per hit in the own layer (stand-in socket, no kernel)\n`);
