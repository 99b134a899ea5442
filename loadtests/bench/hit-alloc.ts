#!/usr/bin/env node
/**
 * Bytes the own HTTP/1.1 layer allocates per cache hit, in process: one connection over a stand-in
 * socket (it accepts writes and drops them) receives the same 1 KiB-hit GET again and again, and
 * the handler returns one reused answer, as HitAnswers does for a hot object. Measured twice in
 * the same run: the answer without `wire` (status line and fields serialized on every hit: before)
 * and with it (the serialized block kept on the answer: after). Heap growth over N hits with the
 * young generation sized so no GC runs in between, divided by N; every round printed.
 *
 *   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 dist/loadtests/bench/hit-alloc.js [hits-per-round] [rounds]
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { systemClock, systemTimers } from '../../common/adapters/system-clock.js';
import { Http1Connection } from '../../edge/adapters/http1/connection.js';
import { DEFAULT_CHUNKED_LIMITS } from '../../edge/adapters/http1/chunked.js';
import { DEFAULT_PARSER_LIMITS } from '../../edge/adapters/http1/parser.js';
import type { EdgeResponse } from '../../edge/pipeline/types.js';

class NullSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  bytes = 0;
  setNoDelay(): this { return this; }
  cork(): void {}
  uncork(): void {}
  pause(): this { return this; }
  resume(): this { return this; }
  write(chunk: string | Buffer): boolean {
    this.bytes += chunk.length;
    return true;
  }
  end(): this { return this; }
  destroySoon(): void {}
  destroy(): this { return this; }
}

const REQUEST = Buffer.from('GET /bench/hot/1234 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n', 'latin1');

function answer(withWire: boolean): EdgeResponse {
  const headers = [
    'date', 'Tue, 01 Dec 2026 23:50:17 GMT', 'content-type', 'text/plain', 'cache-control', 'public, max-age=300',
    'etag', '"v1-a35fa61c"', 'last-modified', 'Tue, 01 Dec 2026 23:50:17 GMT', 'accept-ranges', 'bytes',
    'content-length', '1024', 'via', '1.1 edgeworks', 'age', '0', 'cache-status', 'edgeworks; hit; ttl=299',
  ];
  return { status: 200, headers, body: Buffer.alloc(1024, 0x61), outcome: { kind: 'hit', hit: true, ttlSeconds: 299, bytes: 1024 }, ...(withWire ? { wire: { head: undefined } } : {}) };
}

function bytesPerHit(withWire: boolean, hits: number): number {
  const socket = new NullSocket();
  const response = answer(withWire);
  const options = {
    parser: DEFAULT_PARSER_LIMITS,
    chunked: DEFAULT_CHUNKED_LIMITS,
    headersTimeoutMs: 10_000,
    keepAliveTimeoutMs: 5_000,
    bodyIdleTimeoutMs: 30_000,
    maxPipelinedBytes: 64 * 1024,
    timers: systemTimers,
    clock: systemClock,
    logger: { log: () => undefined },
  };
  const conn = new Http1Connection(socket as unknown as Socket, () => response, options, () => undefined);
  for (let i = 0; i < 1000; i++) socket.emit('data', REQUEST); // warm up the JIT and the kept block
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  // Buffers live outside the JS heap: count arrayBuffers too.
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  for (let i = 0; i < hits; i++) socket.emit('data', REQUEST);
  const after = used();
  conn.destroy();
  return (after - before) / hits;
}

const hits = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
const before: number[] = [];
const after: number[] = [];
for (let r = 0; r < rounds; r++) {
  // Interleaved, order flipped each round.
  const order = r % 2 === 0 ? [false, true] : [true, false];
  for (const wire of order) (wire ? after : before).push(bytesPerHit(wire, hits));
  process.stdout.write(`round ${r + 1}: serialized per hit ${before[r]!.toFixed(0)} B/hit, kept block ${after[r]!.toFixed(0)} B/hit\n`);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(`median over ${rounds} rounds of ${hits} hits: serialized per hit ${median(before).toFixed(0)} B/hit, kept block ${median(after).toFixed(0)} B/hit (JS heap + ArrayBuffer growth with no GC in between; a 1 KiB-hit GET through the own HTTP/1.1 layer)\n`);
