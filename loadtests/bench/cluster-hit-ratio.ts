#!/usr/bin/env node
/**
 * The cluster bench (issue 3, "Bench"): a deterministic in-process model of where requests are
 * answered, built from the real byte-bounded `ResponseStore` and the real `Ring`. No sockets,
 * no timers, no Math.random: a run is a function of its options, and says so.
 *
 * Workload: Zipf(s) over `keys` objects (rank r has weight (r+1)^-s), each object's size drawn
 * from its id (70% 1–10 KiB, 25% 10–100 KiB, 5% 100 KiB–1 MiB, uniform within the band); each
 * request arrives at one of `edges` front edges, uniformly. The same request stream is fed to:
 *   (a) ideal:       one LRU of edges × C bytes; a miss goes to the origin;
 *   (b) independent: each front edge its own LRU of C bytes, no peering;
 *   (c) cluster:     the ring names the key's owner; the front edge serves from its own LRU if it
 *                    is the owner, else forwards to the owner's LRU (one peer hop); only the
 *                    owner stores (non-owners keep nothing: no hot cache in this model).
 * Counted after `warmupRequests` requests: hits, origin requests and origin bytes.
 *
 * Alone: node dist/loadtests/bench/cluster-hit-ratio.js [--seed N] [--keys N] [--requests N]
 *        [--warmup-requests N] [--capacity-bytes N] [--edges N] [--zipf-s X]
 * (or BENCH_CLUSTER_SEED, BENCH_CLUSTER_KEYS, … ; flags win). From code: runClusterHitRatioBench
 * and formatClusterReport.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmix32 } from '../../edge/routing/hash.js';
import { Ring, type RingMember } from '../../edge/routing/ring.js';
import { LruResponseStore, type ResponseStore } from '../../edge/store/response-store.js';
import type { StoredResponse } from '../../edge/store/stored-response.js';
import { formatCount, formatTable } from './report.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export interface ClusterBenchOptions {
  seed: number;
  /** Distinct objects in the catalogue. */
  keys: number;
  /** Zipf exponent. */
  zipfS: number;
  /** Front edges (ring members e1…eN, equal weight). */
  edges: number;
  /** C: the byte capacity of each edge; the ideal cache has edges × C. */
  capacityBytesPerEdge: number;
  /** Requests before counting starts (they fill the caches). */
  warmupRequests: number;
  /** Counted requests. */
  requests: number;
}

/**
 * Defaults: 1M keys, 3 edges, 1M warm-up + 2M counted requests, C = 4 GiB per edge. Sizes
 * average ~46 KiB (catalogue ~44 GiB); the ideal 12 GiB cache hits 0.78 of requests. About 0.14
 * of the counted requests are a key's first request, which no cache can hit, so no scheme gets
 * above ~0.86. Seed 1, cluster/independent origin requests against C: 1 GiB 0.78, 2 GiB 0.71,
 * 3 GiB 0.65, 4 GiB 0.59, 5 GiB 0.54, 6 GiB 0.51, 8 GiB 0.49, 12 GiB 0.55, 15 GiB 0.55; the
 * cluster's hit ratio matched the ideal's (0.9999–1.0000) at every C.
 */
export const DEFAULT_CLUSTER_BENCH_OPTIONS: Readonly<ClusterBenchOptions> = Object.freeze({
  seed: 1,
  keys: 1_000_000,
  zipfS: 0.9,
  edges: 3,
  capacityBytesPerEdge: 4 * GiB,
  warmupRequests: 1_000_000,
  requests: 2_000_000,
});

export interface SchemeResult {
  requests: number;
  hits: number;
  hitRatio: number;
  originRequests: number;
  originBytes: number;
  /** Bytes requested by clients, for the byte hit ratio. */
  requestedBytes: number;
  byteHitRatio: number;
}

export interface ClusterSchemeResult extends SchemeResult {
  /** Requests a front edge forwarded to the owner (front ≠ owner). */
  peerRequests: number;
  /** Forwarded requests the owner answered from its cache. */
  ownerHits: number;
  /** Requests each member owned, ring order of members(): the ring's balance under this load. */
  ownedRequestsPerEdge: number[];
}

export interface ClusterResult {
  options: ClusterBenchOptions;
  /** Mean object size over the catalogue, and its total: to read C against. */
  meanObjectBytes: number;
  catalogueBytes: number;
  ideal: SchemeResult;
  independent: SchemeResult;
  cluster: ClusterSchemeResult;
  /** cluster hit ratio / ideal hit ratio (target ≥ 0.97). */
  clusterOverIdealHitRatio: number;
  /** cluster origin requests / independent origin requests (target ≤ 0.5). */
  clusterOverIndependentOrigin: number;
  /** FNV-1a over every counted request's key, front edge and the three outcomes. */
  traceHash: string;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Object size of key `id`: a pure function of (seed, id). */
export function objectBytes(seed: number, id: number): number {
  const a = fmix32(Math.imul(id, 0x9e3779b1) ^ fmix32(seed ^ 0x5bd1e995));
  const b = fmix32(a ^ 0x27d4eb2d);
  const band = a / 4294967296;
  const within = b / 4294967296;
  if (band < 0.7) return Math.floor(1 * KiB + within * 9 * KiB);
  if (band < 0.95) return Math.floor(10 * KiB + within * 90 * KiB);
  return Math.floor(100 * KiB + within * 924 * KiB);
}

/** Cumulative Zipf weights; sample by binary search for u × total. */
function zipfCdf(keys: number, s: number): Float64Array {
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let r = 0; r < keys; r++) {
    sum += Math.pow(r + 1, -s);
    cdf[r] = sum;
  }
  return cdf;
}

function sampleRank(cdf: Float64Array, u: number): number {
  const target = u * cdf[cdf.length - 1]!;
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const HOST = 'bench.example';
const NO_HEADERS = Object.freeze({});
/** Header fields of a typical stored object (charged by the store like any other). */
const WIRE_HEADERS: readonly string[] = Object.freeze([
  'content-type', 'application/octet-stream',
  'cache-control', 'public, max-age=86400',
  'etag', '"0123456789abcdef"',
  'last-modified', 'Mon, 01 Jan 2024 00:00:00 GMT',
  'via', '1.1 edge',
]);

class ModelCache {
  private readonly store: ResponseStore;
  private readonly body: Buffer;

  constructor(maxBytes: number, body: Buffer) {
    this.store = new LruResponseStore({ maxBytes, maxObjectBytes: body.length });
    this.body = body;
  }

  /** True on a hit; on a miss stores the object (as a fill from the origin or owner would). */
  getOrFill(key: string, sizeBytes: number): boolean {
    if (this.store.lookup(key, NO_HEADERS).kind === 'match') return true;
    this.store.put(key, storedObject(this.body.subarray(0, sizeBytes)));
    return false;
  }
}

const HEADER_NAMES = Object.freeze(WIRE_HEADERS.filter((_, i) => i % 2 === 0));
const HEADER_VALUES = Object.freeze(WIRE_HEADERS.filter((_, i) => i % 2 === 1));

function storedObject(body: Buffer): StoredResponse {
  return {
    status: 200,
    headerNames: HEADER_NAMES,
    headerValues: HEADER_VALUES as string[],
    body,
    storedAtMonoMs: 0,
    initialAgeMs: 0,
    freshUntilMonoMs: Number.MAX_SAFE_INTEGER,
    noCache: false,
    mustRevalidate: false,
    staleWhileRevalidateMs: 0,
    staleIfErrorMs: 0,
    varyNames: [],
    varyValues: [],
    surrogateKeys: [],
  };
}

class Tally {
  requests = 0;
  hits = 0;
  originRequests = 0;
  originBytes = 0;
  requestedBytes = 0;

  count(hit: boolean, sizeBytes: number): void {
    this.requests++;
    this.requestedBytes += sizeBytes;
    if (hit) this.hits++;
    else {
      this.originRequests++;
      this.originBytes += sizeBytes;
    }
  }

  result(): SchemeResult {
    return {
      requests: this.requests,
      hits: this.hits,
      hitRatio: this.requests > 0 ? this.hits / this.requests : NaN,
      originRequests: this.originRequests,
      originBytes: this.originBytes,
      requestedBytes: this.requestedBytes,
      byteHitRatio: this.requestedBytes > 0 ? 1 - this.originBytes / this.requestedBytes : NaN,
    };
  }
}

export function runClusterHitRatioBench(options: Partial<ClusterBenchOptions> = {}): ClusterResult {
  const o: ClusterBenchOptions = { ...DEFAULT_CLUSTER_BENCH_OPTIONS, ...options };
  for (const [name, value] of Object.entries(o)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`cluster bench: ${name} must be a finite number >= 0, got ${value}`);
  }
  if (!Number.isInteger(o.edges) || o.edges < 1) throw new Error(`cluster bench: edges must be an integer >= 1, got ${o.edges}`);
  if (!Number.isInteger(o.keys) || o.keys < 1) throw new Error(`cluster bench: keys must be an integer >= 1, got ${o.keys}`);

  const sizes = new Uint32Array(o.keys);
  let catalogueBytes = 0;
  for (let id = 0; id < o.keys; id++) {
    sizes[id] = objectBytes(o.seed, id);
    catalogueBytes += sizes[id]!;
  }
  const cdf = zipfCdf(o.keys, o.zipfS);
  const random = mulberry32(o.seed);
  const body = Buffer.alloc(MiB); // every stored body is a view of this one buffer

  const members: RingMember[] = Array.from({ length: o.edges }, (_, i) => ({ id: `e${i + 1}`, url: `http://127.0.0.1:${8081 + i}`, weight: 1 }));
  const ring = new Ring(members);
  const indexOf = new Map(ring.members().map((m, i) => [m.id, i]));

  const ideal = new ModelCache(o.edges * o.capacityBytesPerEdge, body);
  const independent = Array.from({ length: o.edges }, () => new ModelCache(o.capacityBytesPerEdge, body));
  const cluster = Array.from({ length: o.edges }, () => new ModelCache(o.capacityBytesPerEdge, body));

  const idealTally = new Tally();
  const independentTally = new Tally();
  const clusterTally = new Tally();
  let peerRequests = 0;
  let ownerHits = 0;
  const ownedRequests: number[] = new Array<number>(o.edges).fill(0);
  let trace = 0x811c9dc5;
  const mix = (x: number): void => {
    trace = Math.imul(trace ^ x, 0x01000193) >>> 0;
  };

  const total = o.warmupRequests + o.requests;
  for (let n = 0; n < total; n++) {
    const id = sampleRank(cdf, random());
    const front = Math.min(o.edges - 1, Math.floor(random() * o.edges));
    const key = `${HOST}/obj/${id}`;
    const sizeBytes = sizes[id]!;

    const idealHit = ideal.getOrFill(key, sizeBytes);
    const independentHit = independent[front]!.getOrFill(key, sizeBytes);
    const owner = indexOf.get(ring.owner(key).id)!;
    const clusterHit = cluster[owner]!.getOrFill(key, sizeBytes);

    if (n < o.warmupRequests) continue;
    idealTally.count(idealHit, sizeBytes);
    independentTally.count(independentHit, sizeBytes);
    clusterTally.count(clusterHit, sizeBytes);
    ownedRequests[owner]!++;
    if (owner !== front) {
      peerRequests++;
      if (clusterHit) ownerHits++;
    }
    mix(id);
    mix(front | ((idealHit ? 1 : 0) << 8) | ((independentHit ? 1 : 0) << 9) | ((clusterHit ? 1 : 0) << 10));
  }

  const idealResult = idealTally.result();
  const independentResult = independentTally.result();
  const clusterResult: ClusterSchemeResult = { ...clusterTally.result(), peerRequests, ownerHits, ownedRequestsPerEdge: ownedRequests };
  return {
    options: o,
    meanObjectBytes: catalogueBytes / o.keys,
    catalogueBytes,
    ideal: idealResult,
    independent: independentResult,
    cluster: clusterResult,
    clusterOverIdealHitRatio: idealResult.hitRatio > 0 ? clusterResult.hitRatio / idealResult.hitRatio : NaN,
    clusterOverIndependentOrigin: independentResult.originRequests > 0 ? clusterResult.originRequests / independentResult.originRequests : NaN,
    traceHash: trace.toString(16).padStart(8, '0'),
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(2)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${(bytes / KiB).toFixed(1)} KiB`;
}

/** The options line, the side-by-side table and the two target ratios. */
export function formatClusterReport(r: ClusterResult): string {
  const o = r.options;
  const c = o.capacityBytesPerEdge;
  const rows = [
    ['(a) ideal: one LRU', formatBytes(o.edges * c), r.ideal],
    [`(b) independent: ${o.edges} edges, no peering`, `${o.edges} × ${formatBytes(c)}`, r.independent],
    [`(c) cluster: ${o.edges} edges, ring owner`, `${o.edges} × ${formatBytes(c)}`, r.cluster],
  ] as const;
  const table = formatTable(
    ['scheme', 'capacity', 'hit ratio', 'byte hit ratio', 'origin requests', 'origin bytes'],
    rows.map(([name, capacity, s]) => [name, capacity, s.hitRatio.toFixed(4), s.byteHitRatio.toFixed(4), formatCount(s.originRequests), formatBytes(s.originBytes)]),
    ['left', 'right', 'right', 'right', 'right', 'right'],
  );
  const owned = r.cluster.ownedRequestsPerEdge;
  const meanOwned = owned.reduce((a, b) => a + b, 0) / owned.length;
  return [
    `cluster hit ratio bench: seed ${o.seed}; Zipf(${o.zipfS}) over ${formatCount(o.keys)} keys, mean object ${formatBytes(r.meanObjectBytes)}, catalogue ${formatBytes(r.catalogueBytes)}; ` +
      `${o.edges} front edges, C = ${formatCount(c)} bytes (${formatBytes(c)}) each; ${formatCount(o.requests)} requests counted after ${formatCount(o.warmupRequests)} warm-up`,
    table,
    `cluster / ideal hit ratio:                ${r.clusterOverIdealHitRatio.toFixed(4)}  (target >= 0.97) ${r.clusterOverIdealHitRatio >= 0.97 ? 'met' : 'MISSED'}`,
    `cluster / independent origin requests:    ${r.clusterOverIndependentOrigin.toFixed(4)}  (target <= 0.5) ${r.clusterOverIndependentOrigin <= 0.5 ? 'met' : 'MISSED'}`,
    `cluster peer requests: ${formatCount(r.cluster.peerRequests)} (${((100 * r.cluster.peerRequests) / r.cluster.requests).toFixed(1)}%), answered by the owner's cache: ${formatCount(r.cluster.ownerHits)}; ` +
      `requests owned per edge max/mean ${(Math.max(...owned) / meanOwned).toFixed(3)}`,
    `trace hash ${r.traceHash} (reproduce: node dist/loadtests/bench/cluster-hit-ratio.js --seed ${o.seed} --keys ${o.keys} --zipf-s ${o.zipfS} --edges ${o.edges} ` +
      `--capacity-bytes ${c} --warmup-requests ${o.warmupRequests} --requests ${o.requests})`,
  ].join('\n');
}

/** Options from flags, then BENCH_CLUSTER_* environment variables, then the defaults. */
export function readClusterBenchOptions(args: readonly string[], env: NodeJS.ProcessEnv): ClusterBenchOptions {
  const names = ['seed', 'keys', 'zipf-s', 'edges', 'capacity-bytes', 'warmup-requests', 'requests'] as const;
  const { values } = parseArgs({ args: [...args], options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])) });
  const read = (flag: (typeof names)[number], dflt: number, integer: boolean): number => {
    const envName = `BENCH_CLUSTER_${flag.toUpperCase().replaceAll('-', '_')}`;
    const raw = (values as Record<string, string | undefined>)[flag] ?? env[envName];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      throw new Error(`${envName} / --${flag}: expected ${integer ? 'an integer' : 'a number'} >= 0, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const d = DEFAULT_CLUSTER_BENCH_OPTIONS;
  return {
    seed: read('seed', d.seed, true),
    keys: read('keys', d.keys, true),
    zipfS: read('zipf-s', d.zipfS, false),
    edges: read('edges', d.edges, true),
    capacityBytesPerEdge: read('capacity-bytes', d.capacityBytesPerEdge, true),
    warmupRequests: read('warmup-requests', d.warmupRequests, true),
    requests: read('requests', d.requests, true),
  };
}

function main(): void {
  const options = readClusterBenchOptions(process.argv.slice(2), process.env);
  process.stdout.write(`cluster bench options: ${JSON.stringify(options)}\n`);
  const started = process.hrtime.bigint();
  const result = runClusterHitRatioBench(options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${formatClusterReport(result)}\nran in ${seconds.toFixed(1)} s\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err: unknown) {
    process.stderr.write(`cluster bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
