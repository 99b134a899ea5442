/**
 * What the in-process hit benches (hit-alloc.ts, hit-layer-cpu.ts) feed the own HTTP/1.1 layer: a
 * wrk-like GET, a 1 KiB answer with the fields the edge sends on a hit, and a stand-in socket whose
 * writes are dropped, so the layer's own work is measured without the kernel's.
 */
import { EventEmitter } from 'node:events';
import type { EdgeResponse } from '../../edge/pipeline/types.js';

export const REQUEST = Buffer.from('GET /bench/hot/1234 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n', 'latin1');

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

