/**
 * What the in-process hit benches (hit-alloc.ts, hit-layer-cpu.ts) feed the own HTTP/1.1 layer: a
 * wrk-like GET, a 1 KiB answer with the fields the edge sends on a hit, and a stand-in socket whose
 * writes are dropped, so the layer's own work is measured without the kernel's.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { systemClock, systemTimers } from '../../common/adapters/system-clock.js';
import { Http1Connection, type RequestHandler } from '../../edge/adapters/http1/connection.js';
import { connectionOptions } from '../../edge/adapters/http1/server.js';
import type { CompletedRequest } from '../../edge/pipeline/request-events.js';
import type { EdgeResponse } from '../../edge/pipeline/types.js';
import { browserRequestFields } from './browser-headers.js';
import { sequenceIndex } from './url-set.js';

export const REQUEST = Buffer.from('GET /bench/hot/1234 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n', 'latin1');

/** The request streams the in-process benches can send: `wrk` is REQUEST's shape, `browser` the bench's browser-like case. */
export type RequestCase = 'wrk' | 'browser';

/**
 * `count` requests of one case over a hot set of `keys` URLs, one Buffer each, as they arrive from
 * a client: wrk's (Host and User-Agent) or the browser-like ones (about 15 fields, about 800 bytes,
 * User-Agent and Cookie varying from request to request, browser-headers.ts).
 */
export function requestStream(c: RequestCase, count: number, keys: number): Buffer[] {
  const out: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const fields = c === 'browser' ? browserRequestFields(k, '127.0.0.1:8080') : [['Host', '127.0.0.1:8080'], ['User-Agent', 'wrk']] as const;
    out.push(Buffer.from(`GET /bench/hot/${k % keys} HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1'));
  }
  return out;
}

/** The keys of a hot set of `urls` in the order the bench's load walks it (url-set.ts's stride). */
export function hotWalk(urls: number): number[] {
  return Array.from({ length: urls }, (_x, k) => sequenceIndex(urls, 0, k));
}

/** One request of case `c` for every key of a hot set of `urls`, in the bench's walk order. */
export function walkRequests(c: RequestCase, urls: number): Buffer[] {
  const byKey = requestStream(c, urls, urls);
  return hotWalk(urls).map((k) => byKey[k]!);
}

export function answer(withWire: boolean): EdgeResponse {
  const headers = [
    'date', 'Tue, 01 Dec 2026 23:50:17 GMT', 'content-type', 'text/plain', 'cache-control', 'public, max-age=300',
    'etag', '"v1-a35fa61c"', 'last-modified', 'Tue, 01 Dec 2026 23:50:17 GMT', 'accept-ranges', 'bytes',
    'content-length', '1024', 'via', '1.1 edgeworks', 'age', '0', 'cache-status', 'edgeworks; hit; ttl=299',
  ];
  return { status: 200, headers, body: Buffer.alloc(1024, 0x61), outcome: { kind: 'hit', hit: true, ttlSeconds: 299, bytes: 1024 }, ...(withWire ? { wire: { head: undefined } } : {}) };
}

/** What the own layer needs of a socket; writes are counted and dropped. */
export class NullSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  setNoDelay(): this { return this; }
  cork(): void {}
  uncork(): void {}
  pause(): this { return this; }
  resume(): this { return this; }
  write(): boolean { return true; }
  end(): this { return this; }
  destroySoon(): void {}
  destroy(): this { return this; }
}


/**
 * A connection of the own layer on `socket`, watched as the binary watches requests when there is no
 * access log (the lean record); `completed` sees every finished request.
 */
export function standInConnection(socket: NullSocket, handler: RequestHandler, completed: (r: CompletedRequest) => void): Http1Connection {
  return new Http1Connection(
    socket as unknown as Socket,
    handler,
    connectionOptions({
      keepAliveTimeoutMs: 5_000,
      headersTimeoutMs: 10_000,
      timers: systemTimers,
      clock: systemClock,
      logger: { log: () => undefined },
      watch: { observer: { completed }, clock: systemClock, makeRequestId: () => 'id', fullRecord: false },
    }),
    () => undefined,
  );
}
