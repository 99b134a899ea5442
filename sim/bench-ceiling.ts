/**
 * The speed limit of simulating this code. The simulator bench's workload (3 regions x 4 edges,
 * 10,000 Zipf keys, the same origin and edge settings) run through the same real edges and
 * origin handler with every simulator part taken away: no scheduler, no network model, no
 * history, no checkers, no control plane. A transport is a direct call to the target's handler,
 * requests run one at a time, and time is a counter that moves 0.5 ms per request (2,000 req/s).
 * What this reaches is what the real code costs per simulated request; no simulator that runs
 * that code (design rule 1) can be faster. `node dist/sim/bench-ceiling.js [requests]`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Clock, OutboundRequest, OutboundResponse, Timers, Transport } from '../common/ports.js';
import { createEdge, edgeConfigWithDefaults } from '../edge/create-edge.js';
import type { Edge } from '../edge/pipeline/edge.js';
import { createOrigin } from '../origin/handler.js';
import { resolveOriginConfig } from '../origin/schema.js';
import { toOutbound } from './kernel/network.js';
import { RandomStreams, Zipf } from './kernel/random.js';
import { collect, headerPairsOf, requestHeadersOf } from './kernel/wire.js';

export interface CeilingResult {
  requests: number;
  wallSeconds: number;
  requestsPerWallSecond: number;
  /** Answers the client-facing edge gave from its own cache. */
  localHitRatio: number;
  originRequests: number;
}

const ORIGIN = 'origin.sim';
const NO_TIMERS: Timers = { after: () => ({ cancel: () => undefined }) };

/** The ceiling's edges and workload, run in as many slices as a caller wants (the bench interleaves them with the simulator). */
export interface Ceiling {
  /** Runs the next `requests` requests of the workload, one at a time. */
  run(requests: number): Promise<void>;
  readonly requests: number;
  /** Answers the client-facing edge gave from its own cache. */
  readonly localHits: number;
  readonly originRequests: number;
}

export function createCeiling(seed = 1): Ceiling {
  let nowMs = 1_000_000;
  const clock: Clock = { wallMs: () => 1_790_000_000_000 + nowMs, monoMs: () => nowMs };
  const streams = new RandomStreams(seed);
  const origin = createOrigin({
    clock,
    random: streams.stream('node:origin'),
    config: resolveOriginConfig({ adminToken: 'x', latencyMs: 0, routes: [{ prefix: '/o/', cacheControl: 'public, max-age=300' }] }),
  });
  const counts = { requests: 0, localHits: 0, originRequests: 0 };
  const edges = new Map<string, Edge>();
  const transport: Transport = {
    request: async (req: OutboundRequest): Promise<OutboundResponse> => {
      const host = req.origin.slice('http://'.length);
      const headers = requestHeadersOf(req.headers);
      if (host === ORIGIN) {
        counts.originRequests++;
        const res = origin.handle({ method: req.method, target: req.target, headers });
        return toOutbound({ status: res.status, headers: res.headers, chunks: res.body.length > 0 ? [res.body] : [] }, host);
      }
      const res = await edges.get(host)!.handle({ method: req.method, target: req.target, headers });
      const body = await collect(res.body);
      return toOutbound({ status: res.status, headers: headerPairsOf(res.headers), chunks: body.chunks }, host);
    },
    close: async () => undefined,
  };

  const regions = ['r1', 'r2', 'r3'].map((name) => Array.from({ length: 4 }, (_, i) => `${name}-e${i + 1}.sim`));
  for (const [r, hosts] of regions.entries()) {
    const peers = hosts.map((h) => ({ id: h.slice(0, -4), url: `http://${h}`, weight: 1 }));
    for (const host of hosts) {
      const config = edgeConfigWithDefaults({ id: host.slice(0, -4), region: `r${r + 1}`, origin: `http://${ORIGIN}`, peers, peerAuth: { secret: 'bench-ceiling-peer-secret-0123456789ab' } as never, cache: { maxBytes: 64 * 1024 * 1024 } as never });
      edges.set(host, createEdge(config, { clock, timers: NO_TIMERS, transport, logger: { log: () => undefined } }));
    }
  }

  const catalogue = streams.stream('catalogue');
  const keys = Array.from({ length: 10_000 }, (_, i) => `/o/${i}?size=${512 + Math.floor(catalogue.next() * (16_384 - 512 + 1))}`);
  const zipf = new Zipf(keys.length, 0.9);
  const workload = streams.stream('workload');
  const fronts = regions.flat().map((h) => edges.get(h)!);

  return {
    get requests() {
      return counts.requests;
    },
    get localHits() {
      return counts.localHits;
    },
    get originRequests() {
      return counts.originRequests;
    },
    async run(requests: number): Promise<void> {
      for (let i = 0; i < requests; i++) {
        nowMs += 0.5;
        const edge = fronts[workload.int(fronts.length)]!;
        const res = await edge.handle({ method: 'GET', target: keys[zipf.sample(workload)]!, headers: { host: 'cdn.example' } });
        await collect(res.body);
        counts.requests++;
        if (res.outcome.kind === 'hit') counts.localHits++;
      }
    },
  };
}

export async function runCeiling(requests: number, seed = 1): Promise<CeilingResult> {
  const ceiling = createCeiling(seed);
  const wallSeconds = (await timedRun(ceiling, requests)) / 1000;
  return { requests, wallSeconds, requestsPerWallSecond: requests / wallSeconds, localHitRatio: ceiling.localHits / requests, originRequests: ceiling.originRequests };
}

/**
 * The ceiling run in turns: each `take()` runs the next `perTurn` requests and adds the time they
 * took. The simulator bench alternates these turns with the simulator's (sim/bench.ts).
 */
export interface CeilingTurns {
  take(): Promise<void>;
  /** Wall time spent in turns so far. */
  readonly ms: number;
  readonly requests: number;
  close(): Promise<void>;
}

/** Runs the ceiling's next `requests` requests and answers how long they took, in ms. */
async function timedRun(ceiling: Ceiling, requests: number): Promise<number> {
  const started = performance.now();
  await ceiling.run(requests);
  return performance.now() - started;
}

/** Turns in this thread, sharing its heap with whatever else runs here (for profiling both in one profile). */
export function ceilingTurnsHere(seed: number, perTurn: number): CeilingTurns {
  const ceiling = createCeiling(seed);
  let ms = 0;
  return {
    async take() {
      ms += await timedRun(ceiling, perTurn);
    },
    get ms() {
      return ms;
    },
    get requests() {
      return ceiling.requests;
    },
    close: async () => undefined,
  };
}

interface TurnsWorkerData {
  ceilingTurns: { seed: number; perTurn: number };
}

/**
 * Turns in a worker thread of their own: the ceiling keeps its own heap, so neither measurement
 * pays for collecting the other's objects (in one heap, the simulator, which allocates more and
 * so starts more of the collections, also marked the ceiling's twelve caches). A turn fails if
 * the worker fails or exits, before the turn or during it.
 */
export function ceilingTurnsInWorker(seed: number, perTurn: number, youngGenerationMb: number): CeilingTurns {
  const data: TurnsWorkerData = { ceilingTurns: { seed, perTurn } };
  const worker = new Worker(new URL(import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } });
  let ms = 0;
  let requests = 0;
  let gone: Error | undefined;
  let pending: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const fail = (err: Error): void => {
    gone ??= err;
    pending?.reject(gone);
    pending = undefined;
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`ceiling worker exited with code ${code}`)));
  worker.on('message', (m: { ms: number; requests: number }) => {
    ms += m.ms;
    requests = m.requests;
    pending?.resolve();
    pending = undefined;
  });
  return {
    take: () =>
      new Promise<void>((resolveTurn, reject) => {
        if (gone !== undefined) return reject(gone);
        pending = { resolve: resolveTurn, reject };
        worker.postMessage('turn');
      }),
    get ms() {
      return ms;
    },
    get requests() {
      return requests;
    },
    close: async () => void (await worker.terminate()),
  };
}

if (!isMainThread && (workerData as Partial<TurnsWorkerData> | null)?.ceilingTurns !== undefined) {
  const { seed, perTurn } = (workerData as TurnsWorkerData).ceilingTurns;
  const ceiling = createCeiling(seed);
  // A failed turn is thrown here, so the parent hears it as the worker's 'error'.
  parentPort!.on('message', () => {
    void timedRun(ceiling, perTurn).then((turnMs) => parentPort!.postMessage({ ms: turnMs, requests: ceiling.requests }));
  });
} else if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const requests = Number(process.argv[2] ?? 200_000);
  runCeiling(requests).then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`));
}
