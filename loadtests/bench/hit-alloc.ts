#!/usr/bin/env node
/**
 * Bytes allocated per 1 KiB cache hit by the client-side HTTP layer, in process: a stand-in
 * socket (writes are dropped) receives the same GET again and again, and the handler returns one
 * reused answer, as HitAnswers does for a hot object. Three variants side by side, interleaved,
 * every round printed:
 *   node:http   the answer written with res.writeHead + res.end (node-server.ts's hit path)
 *   own, per hit the own layer, status line and fields serialized on every hit (no `wire`)
 *   own, kept    the own layer writing the answer's kept serialized block (`wire`, the hit path now)
 * plus the empty loop (one setImmediate per hit, which every variant also pays). Measured as JS heap
 * plus ArrayBuffer growth over N hits with the young generation sized so that no GC runs in between.
 * Requests: `wrk` (Host, User-Agent) or `browser` (about 15 fields, about 800 bytes, varying
 * User-Agent and Cookie; stand-in-socket.ts's requestStream).
 *
 *   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 dist/loadtests/bench/hit-alloc.js [hits-per-round] [rounds] [wrk|browser]
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { systemClock, systemTimers } from '../../common/adapters/system-clock.js';
import { Http1Connection } from '../../edge/adapters/http1/connection.js';
import { connectionOptions } from '../../edge/adapters/http1/server.js';
import { answer, NullSocket, requestStream, type RequestCase } from './stand-in-socket.js';

/** A Duplex node:http accepts as a connection; writes are dropped. */
class NullDuplex extends Duplex {
  override _read(): void {}
  override _write(_c: unknown, _e: unknown, cb: () => void): void { cb(); }
  setNoDelay(): void {}
  setKeepAlive(): void {}
  setTimeout(): this { return this; }
  get remoteAddress(): string { return '127.0.0.1'; }
}

type Variant = 'empty loop' | 'node:http' | 'own, per hit' | 'own, kept';
const VARIANTS: readonly Variant[] = ['empty loop', 'node:http', 'own, per hit', 'own, kept'];

const requestCase = (process.argv[4] ?? 'wrk') as RequestCase;
if (requestCase !== 'wrk' && requestCase !== 'browser') throw new Error(`request case: wrk or browser, not ${requestCase}`);
const REQUESTS = requestStream(requestCase, 976, 1_000);
let sent = 0;
const nextRequest = (): Buffer => REQUESTS[sent++ % REQUESTS.length]!;

/** Returns a function that delivers one request; the answer is written before the next turn of the loop. */
function setup(v: Variant): () => void {
  if (v === 'empty loop') return () => undefined;
  if (v === 'node:http') {
    const response = answer(false);
    const server = createServer({ keepAliveTimeout: 5_000 }, (_req, res) => {
      res.writeHead(response.status, response.headers);
      res.end(response.body as Buffer);
    });
    const sock = new NullDuplex();
    server.emit('connection', sock);
    return () => void sock.push(nextRequest());
  }
  const response = answer(v === 'own, kept');
  const socket = new NullSocket();
  const options = connectionOptions({ keepAliveTimeoutMs: 5_000, headersTimeoutMs: 10_000, timers: systemTimers, clock: systemClock, logger: { log: () => undefined } });
  new Http1Connection(socket as unknown as Socket, () => response, options, () => undefined);
  return () => void socket.emit('data', nextRequest());
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function bytesPerHit(send: () => void, hits: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers; // Buffers live outside the JS heap
  };
  const before = used();
  for (let i = 0; i < hits; i++) {
    send();
    await turn();
  }
  return (used() - before) / hits;
}

async function main(): Promise<void> {
  const hits = Number(process.argv[2] ?? 5_000);
  const rounds = Number(process.argv[3] ?? 5);
  const senders = new Map(VARIANTS.map((v) => [v, setup(v)]));
  for (const send of senders.values()) for (let i = 0; i < 1_000; i++) { send(); await turn(); } // JIT, kept block
  const results = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const v of order) results.get(v)!.push(await bytesPerHit(senders.get(v)!, hits));
    process.stdout.write(`round ${r + 1}: ${VARIANTS.map((v) => `${v} ${results.get(v)![r]!.toFixed(0)} B/hit`).join(', ')}\n`);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  process.stdout.write(
    `median over ${rounds} rounds of ${hits} ${requestCase} hits (JS heap + ArrayBuffer growth, no GC in between; the empty loop is included in every other row): ` +
      `${VARIANTS.map((v) => `${v} ${median(results.get(v)!).toFixed(0)} B/hit`).join(', ')}\n`,
  );
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`hit-alloc: ${String(err)}\n`);
  process.exit(1);
});
