/**
 * An Edge with no sockets for the in-process hit benches (hit-in-process.ts, hit-layer-cpu.ts):
 * a fixed clock, timers that never fire, and a transport that answers every fill with a 1 KiB
 * body cacheable for an hour, so every request after the first for a key is a fresh hit.
 */
import type { HeaderList } from '../../common/http.js';
import type { Clock, Transport } from '../../common/ports.js';
import { Edge } from '../../edge/pipeline/edge.js';

/**
 * `clock`: a fixed one unless given (hit-promoted-sites.ts moves time to make answers retime).
 * `transport`: fillTransport(bodyBytes) unless given.
 */
export function inProcessEdge(bodyBytes = 1024, clock: Clock = { wallMs: () => 1_700_000_000_000, monoMs: () => 0 }, transport: Transport = fillTransport(bodyBytes)): Edge {
  return new Edge({
    cacheName: 'bench',
    originUrl: 'http://127.0.0.1:1',
    clock,
    timers: { after: () => ({ cancel: () => undefined }) },
    transport,
    logger: { log: () => undefined },
    maxBytes: 256 * 1024 * 1024,
    maxObjectBytes: 8 * 1024 * 1024,
    originTimeouts: { connectMs: 1000, headersMs: 1000, bodyIdleMs: 1000 },
    collapseWaitMs: 1000,
    setCookie: 'bypass',
    heuristic: { fraction: 0.1, maxSeconds: 86_400 },
    staleIfErrorDefaultSeconds: 60,
    honorRequestCacheControl: true,
    keyHost: 'origin',
  });
}

/**
 * Answers every fill with `bodyBytes` cacheable for an hour: one shared body, or with `freshBodies` a
 * body of its own per fill, as bodies read from an origin are (where each lies in memory matters to
 * hit-fill-order.ts).
 */
export function fillTransport(bodyBytes: number, freshBodies = false): Transport {
  const shared = Buffer.alloc(bodyBytes, 'x');
  return {
    async request() {
      const body = freshBodies ? Buffer.alloc(bodyBytes, 'x') : shared;
      const headers: HeaderList = [['cache-control', 'max-age=3600'], ['content-length', String(body.length)], ['content-type', 'text/plain']];
      return { status: 200, headers, body: (async function* () { yield body; })(), discard: () => undefined };
    },
    close: async () => undefined,
  } as unknown as Transport;
}

/** Stores /bench/hot/<k> for every k of `keys`, in that order. */
export async function fillHotSet(edge: Edge, keys: readonly number[]): Promise<void> {
  for (const k of keys) {
    const res = await edge.handle({ method: 'GET', target: `/bench/hot/${k}`, headers: { host: '127.0.0.1:8080' } });
    if (res.status !== 200) throw new Error(`fill of /bench/hot/${k} answered ${res.status}`);
  }
}
