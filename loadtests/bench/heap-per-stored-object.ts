#!/usr/bin/env node
/**
 * Heap kept per stored object when fills arrive through the own HTTP/1.1 layer with browser-like
 * heads (about 15 fields, about 800 bytes; browser-headers.ts): an in-process edge, the stand-in
 * socket, one miss per distinct URL, full collections before and after. Bodies are 64 bytes
 * (Buffers, outside this figure), so the figure is the key, the stored fields and whatever else
 * an object keeps alive: before 2026-12-03 that included its filling request's whole head.
 * Bytes of heap, not time, so a busy machine does not change it. Needs --expose-gc:
 *
 *   node --expose-gc dist/loadtests/bench/heap-per-stored-object.js [objects=20000]
 */
import { browserRequestFields } from './browser-headers.js';
import { inProcessEdge } from './in-process-edge.js';
import { NullSocket, standInConnection } from './stand-in-socket.js';

const objects = Number(process.argv[2] ?? 20_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('heap-per-stored-object: run node with --expose-gc\n');
  process.exit(64);
}

const edge = inProcessEdge(64);
const socket = new NullSocket();
let answered = 0;
standInConnection(socket, (req) => edge.handle(req), () => void answered++);

/** Fills URLs [from, from + n), one request at a time, each answered before the next is sent. */
async function fill(from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const fields = browserRequestFields(i, '127.0.0.1:8080').map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const before = answered;
    socket.emit('data', Buffer.from(`GET /stored/object/number/${i} HTTP/1.1\r\n${fields}\r\n`, 'latin1'));
    while (answered === before) await new Promise((resolve) => setImmediate(resolve));
  }
}

await fill(0, 2_000); // JIT and the first heap growth
gc();
gc();
const base = process.memoryUsage().heapUsed;
await fill(2_000, objects);
gc();
gc();
const perObject = (process.memoryUsage().heapUsed - base) / objects;
process.stdout.write(`${perObject.toFixed(0)} bytes of heap per stored object (${objects} objects, browser-like heads, 64-byte bodies)\n`);
