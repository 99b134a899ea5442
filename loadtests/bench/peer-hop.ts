/**
 * The peer-hop bench (issue 3: "Peer hop adds at most 1 ms p50 on loopback over a direct hit").
 *
 * One origin and two edges, e1 and e2, in a ring, as child processes pinned to the server CPU;
 * this process (the client) on the generator CPU. A path owned by e2 is found by asking e1 for
 * `/peerhop/<i>` until e2's member leads the Cache-Status, then warmed. Then, one keep-alive
 * connection per edge, requests one at a time, alternating in blocks (and which side goes first
 * per block, so drift over the run falls on both):
 *   direct: GET to e2, the owner: Cache-Status `e2; hit; ...`
 *   peer:   GET to e1, which asks e2: `e2; hit; ..., e1; fwd=uri-miss; ...; detail=peer-e2`
 * Latency per request is performance.now() from sending to the last body byte. Every answer's
 * status, size and Cache-Status shape is checked (after the clock stops); any other shape (e1
 * serving a copy, e2 missing) fails the bench rather than skewing it. The edges run with
 * --hot-cache-fraction 0, so e1 never keeps a hot copy of e2's key however often it is asked.
 * Reported: p50/p99 of both and the p50 difference (peer − direct), for 1 KiB (target <= 1 ms)
 * and 100 KiB (info). Everything is on 127.0.0.1.
 *
 * Alone: node dist/loadtests/bench/peer-hop.js (BENCH_SERVER_CPU pins the servers, default 0,
 * BENCH_GENERATOR_CPU this process, default 1; BENCH_AGAINST=<another built checkout> runs it beside
 * this build, as npm run bench does).
 *   BENCH_PEERHOP=0 skips it (in npm run bench)
 *   BENCH_PEERHOP_REQUESTS (10000) measured requests per target and object size
 *   BENCH_PEERHOP_WARMUP (1000)    discarded requests per target and object size first, and discarded misses
 *   BENCH_PEERHOP_BLOCKS (20)      blocks the measured requests are interleaved in
 *   BENCH_PEERHOP_MISSES (10000)   misses through e1, each for a URL never asked before, in as many blocks
 *
 * Misses: after the hits, GETs through e1 for URLs nobody asked before, one at a time, so each
 * goes e1 -> its owner (e1 or e2) -> the origin and is stored; their p50/p99 is the miss path's
 * latency, measured in the same blocks as the hits.
 *
 * Two builds side by side (`runPeerHopBenches` with two checkouts; npm run bench does so for
 * BENCH_AGAINST): both rings run at once on the server CPU, and every block runs on each build in
 * turn, which goes first alternating by block, so a busier minute of the machine falls on both
 * builds alike rather than on whichever ran second. Both builds' figures are printed.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { againstRoot } from './against-edge.js';
import { originRequestCount } from './hit-path.js';
import { onPath, pinSelf, spawnProcess, stopProcess, waitForLine, type Spawned } from './processes.js';
import { distribution, pairedRatiosText, percentile, type Distribution } from './stats.js';
import { PEER_HOP_TARGETS, type PeerHopSizeFigures } from './summary.js';
import { withEdgeMallocTuning } from '../../edge/malloc-tuning.js';
import { semiSpaceFlagsFromEnv } from '../../edge/young-generation.js';
import { envInteger } from './env-integer.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/loadtests/bench
const ROOT = resolve(HERE, '..', '..', '..');
const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

export interface PeerHopOptions {
  /** Measured requests per target (direct, peer) and object size. */
  requests: number;
  /** Discarded requests per target and object size before measuring. */
  warmup: number;
  /** The measured requests are split into this many blocks per target, interleaved. */
  blocks: number;
  /** Misses measured through e1 (each a URL nobody asked for before: e1 -> owner -> origin). */
  misses: number;
}

/**
 * 10,000 of each, in 20 blocks (2026-12-05): with 3,000 misses in 10 blocks the miss p99 (30
 * samples above it) came out 1.11x a32eaff's in one full run and 0.96-1.05x in three others; one
 * run with 10,000 gave 4.758 against 4.755 ms. The peer-hop bench takes about 75 s instead of 36.
 */
export const DEFAULT_PEER_HOP_OPTIONS: Readonly<PeerHopOptions> = Object.freeze({ requests: 10_000, warmup: 1000, blocks: 20, misses: 10_000 });

export function readPeerHopOptions(env: NodeJS.ProcessEnv): PeerHopOptions {
  const d = DEFAULT_PEER_HOP_OPTIONS;
  const read = (name: string, dflt: number, min: number): number => envInteger(env, `BENCH_PEERHOP_${name}`, dflt, min);
  const o = { requests: read('REQUESTS', d.requests, 1), warmup: read('WARMUP', d.warmup, 0), blocks: read('BLOCKS', d.blocks, 1), misses: read('MISSES', d.misses, 1) };
  if (o.blocks > o.requests) throw new Error(`BENCH_PEERHOP_BLOCKS (${o.blocks}) must not exceed BENCH_PEERHOP_REQUESTS (${o.requests})`);
  if (o.blocks > o.misses) throw new Error(`BENCH_PEERHOP_BLOCKS (${o.blocks}) must not exceed BENCH_PEERHOP_MISSES (${o.misses})`);
  return o;
}

/** `total` split into `blocks` sizes differing by at most one, larger first; they sum to `total`. */
export function blockSizes(total: number, blocks: number): number[] {
  if (!Number.isInteger(total) || !Number.isInteger(blocks) || total < 0 || blocks < 1) throw new Error(`blockSizes: bad total ${total} or blocks ${blocks}`);
  const base = Math.floor(total / blocks);
  const extra = total % blocks;
  return Array.from({ length: blocks }, (_, i) => base + (i < extra ? 1 : 0));
}

export type Leg = 'direct' | 'peer';

/** Which leg runs first in block `i`: direct in even blocks, peer in odd ones. */
export function blockOrder(i: number): [Leg, Leg] {
  return i % 2 === 0 ? ['direct', 'peer'] : ['peer', 'direct'];
}

/**
 * The order `builds` builds take block `i` in: as given in even blocks, reversed in odd ones, so
 * with two builds each goes first in half the blocks. Indexes into the list of builds.
 */
export function buildOrder(i: number, builds: number): number[] {
  if (!Number.isInteger(builds) || builds < 1) throw new Error(`buildOrder: bad build count ${builds}`);
  const order = Array.from({ length: builds }, (_, b) => b);
  return i % 2 === 0 ? order : order.reverse();
}

export interface CacheStatusMember {
  cache: string;
  /** Parameter name to value; `true` for a bare parameter such as `hit`. */
  params: Map<string, string | true>;
}

/**
 * A Cache-Status field value (RFC 9211 §2: a list of `cache; param=value; ...` members, nearest
 * the origin first) as members. Commas and semicolons inside quoted strings are kept.
 */
export function parseCacheStatus(value: string): CacheStatusMember[] {
  const split = (text: string, sep: string): string[] => {
    const parts: string[] = [];
    let current = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (quoted && ch === '\\' && i + 1 < text.length) {
        current += ch + text[++i]!;
        continue;
      }
      if (ch === '"') quoted = !quoted;
      if (ch === sep && !quoted) {
        parts.push(current);
        current = '';
      } else current += ch;
    }
    parts.push(current);
    return parts;
  };
  return split(value, ',')
    .map((m) => m.trim())
    .filter((m) => m !== '')
    .map((m) => {
      const [cache, ...rest] = split(m, ';').map((p) => p.trim());
      const params = new Map<string, string | true>();
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq < 0) params.set(p, true);
        else params.set(p.slice(0, eq), p.slice(eq + 1));
      }
      return { cache: cache!, params };
    });
}

/**
 * Whether a Cache-Status is the shape the leg must have: `direct`, exactly the owner's hit;
 * `peer`, the owner's hit followed by the front edge forwarding (uri-miss) to that owner.
 * A string saying what is wrong, else undefined.
 */
export function checkCacheStatus(value: string | undefined, leg: Leg, owner: string, front: string): string | undefined {
  if (value === undefined) return 'no Cache-Status';
  const members = parseCacheStatus(value);
  const expected = leg === 'direct' ? 1 : 2;
  if (members.length !== expected) return `${members.length} members, expected ${expected}`;
  const first = members[0]!;
  if (first.cache !== owner || first.params.get('hit') !== true) return `first member is not a hit on ${owner}`;
  if (leg === 'peer') {
    const second = members[1]!;
    if (second.cache !== front) return `second member is ${second.cache}, expected ${front}`;
    if (second.params.get('fwd') !== 'uri-miss') return `${front} did not forward with fwd=uri-miss`;
    if (second.params.get('detail') !== `peer-${owner}`) return `${front}'s detail is not peer-${owner}`;
  }
  return undefined;
}

/** The owner of what answered: the cache of the first (nearest the origin) member. */
export function ownerOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : parseCacheStatus(value)[0]?.cache;
}

export interface LegResult {
  latencyMs: Distribution;
  /** p50 of each block, in block order. */
  blockP50Ms: number[];
}

export interface SizeResult {
  /** `1k`, `100k`. */
  id: string;
  label: string;
  path: string;
  bodyBytes: number;
  direct: LegResult;
  peer: LegResult;
  /** peer p50 − direct p50 over all measured requests, ms. */
  addedP50Ms: number;
  addedP99Ms: number;
  /** peer − direct p50 per block: how much the difference drifts over the run. */
  blockAddedP50Ms: number[];
  /** Requests the origin saw while measuring: 0 when every answer was a cache hit. */
  originRequests: number;
  seconds: number;
}

/** Per-leg latencies of every block (ms) to the figures reported. Pure. */
export function summarizeLegs(direct: readonly (readonly number[])[], peer: readonly (readonly number[])[]): Pick<SizeResult, 'direct' | 'peer' | 'addedP50Ms' | 'addedP99Ms' | 'blockAddedP50Ms'> {
  if (direct.length !== peer.length) throw new Error(`summarizeLegs: ${direct.length} direct blocks but ${peer.length} peer blocks`);
  const leg = (blocks: readonly (readonly number[])[]): LegResult => ({ latencyMs: distribution(blocks.flat()), blockP50Ms: blocks.map((b) => percentile(b, 50)) });
  const d = leg(direct);
  const p = leg(peer);
  return {
    direct: d,
    peer: p,
    addedP50Ms: p.latencyMs.p50 - d.latencyMs.p50,
    addedP99Ms: p.latencyMs.p99 - d.latencyMs.p99,
    blockAddedP50Ms: p.blockP50Ms.map((x, i) => x - d.blockP50Ms[i]!),
  };
}

export interface PeerHopResult {
  options: PeerHopOptions;
  /** The checkout whose dist/ ran the origin and edges. */
  root: string;
  /** Misses through e1 (1 KiB objects), latency send -> last body byte; p50 of each block, in block order. */
  misses: { count: number; latencyMs: Distribution; blockP50Ms: number[]; originRequests: number };
  serverCpu: number | null;
  harnessCpu: number | null;
  sizes: SizeResult[];
  targets: { addedP50Ms: { target: number; value: number; met: boolean } };
}

/** `n` distinct free loopback ports: all held open until the last is picked, then released. */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.listen(0, '127.0.0.1', () => res());
      });
      const a = s.address();
      if (a === null || typeof a === 'string') throw new Error('peer hop: no port from a port-0 listener');
      ports.push(a.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
  }
}

interface Answer {
  status: number;
  cacheStatus: string | undefined;
  bytes: number;
  ms: number;
}

async function get(client: Client, path: string): Promise<Answer> {
  const started = performance.now();
  const res = await client.request({ path, method: 'GET' });
  const body = await res.body.arrayBuffer();
  const ms = performance.now() - started;
  const cs = res.headers['cache-status'];
  return { status: res.statusCode, cacheStatus: typeof cs === 'string' ? cs : undefined, bytes: body.byteLength, ms };
}

interface Ring {
  origin: Spawned;
  originUrl: string;
  e1: Spawned;
  e2: Spawned;
  e1Url: string;
  e2Url: string;
}

async function startRing(cpu: number | undefined, root: string, edgeNodeFlags: readonly string[]): Promise<Ring> {
  // Both edges sign peer requests with one region secret, as in production (passed in the environment, not argv).
  // The misses all come from this one client: no per-client miss budget (an env variable, which older builds read too).
  const env = { ...process.env, EDGE_PEER_SECRET: randomBytes(32).toString('hex'), EDGE_CLIENT_MISSES_PER_SECOND: '0' };
  // Every build's edges run with the malloc settings this build's launchers give, as with the semi-spaces; the origin with none.
  const node = (name: string, script: string, args: string[], nodeFlags: readonly string[] = []): Spawned =>
    spawnProcess({ name, cpu, command: process.execPath, args: [...nodeFlags, join(root, 'dist', script), ...args], env: script === 'edge/main.js' ? withEdgeMallocTuning(env) : env });
  const started: Spawned[] = [];
  try {
    const origin = node('peerhop-origin', 'origin/main.js', ['--port', '0', '--host', '127.0.0.1', '--admin-token', randomBytes(16).toString('hex')]);
    started.push(origin);
    const originUrl = `http://127.0.0.1:${(await waitForLine(origin, LISTENING, 15_000))[1]}`;
    const [p1, p2] = (await freePorts(2)) as [number, number];
    const e1Url = `http://127.0.0.1:${p1}`;
    const e2Url = `http://127.0.0.1:${p2}`;
    const peers = `e1=${e1Url},e2=${e2Url}`;
    // No hot copies: e1 must ask e2 every time, however often it is asked.
    const edge = (id: string, port: number): Spawned =>
      node(`peerhop-${id}`, 'edge/main.js', ['--id', id, '--port', String(port), '--host', '127.0.0.1', '--origin', originUrl, '--peers', peers, '--hot-cache-fraction', '0', '--log-level', 'warn'], edgeNodeFlags);
    const e1 = edge('e1', p1);
    started.push(e1);
    const e2 = edge('e2', p2);
    started.push(e2);
    await Promise.all([waitForLine(e1, LISTENING, 15_000), waitForLine(e2, LISTENING, 15_000)]);
    return { origin, originUrl, e1, e2, e1Url, e2Url };
  } catch (err) {
    await Promise.all(started.map(stopProcess));
    throw err;
  }
}

/** The first `/peerhop/<i><suffix>` that e1 gets from e2 (e2's member leads the Cache-Status). */
async function findOwnedByE2(e1: Client, suffix: string): Promise<string> {
  for (let i = 0; i < 256; i++) {
    const path = `/peerhop/${i}${suffix}`;
    const a = await get(e1, path);
    if (a.status !== 200) throw new Error(`peer hop: ${path} via e1 answered ${a.status}`);
    if (ownerOf(a.cacheStatus) === 'e2') return path;
  }
  throw new Error('peer hop: none of /peerhop/0..255 is owned by e2; is the ring built from --peers?');
}

async function runLeg(client: Client, leg: Leg, path: string, bodyBytes: number, n: number): Promise<number[]> {
  const answers: Answer[] = new Array<Answer>(n);
  for (let i = 0; i < n; i++) answers[i] = await get(client, path);
  // Checked after the clock stops, every answer.
  for (const a of answers) {
    const wrong = a.status !== 200 ? `status ${a.status}` : a.bytes !== bodyBytes ? `${a.bytes} bytes, expected ${bodyBytes}` : checkCacheStatus(a.cacheStatus, leg, 'e2', 'e1');
    if (wrong !== undefined) throw new Error(`peer hop: ${leg} ${path}: ${wrong} (Cache-Status: ${JSON.stringify(a.cacheStatus)})`);
  }
  return answers.map((a) => a.ms);
}

/** One build's ring and its two keep-alive clients: `direct` to e2, `peer` to e1. */
interface Build {
  root: string;
  ring: Ring;
  clients: Record<Leg, Client>;
}

async function measureSize(builds: readonly Build[], id: string, label: string, suffix: string, bodyBytes: number, o: PeerHopOptions, log: (l: string) => void): Promise<SizeResult[]> {
  const paths: string[] = [];
  for (const b of builds) {
    const path = await findOwnedByE2(b.clients.peer, suffix);
    // Warm: e2 stores it (already, from the search); then both connections and both JITs.
    await runLeg(b.clients.direct, 'direct', path, bodyBytes, Math.max(1, o.warmup));
    await runLeg(b.clients.peer, 'peer', path, bodyBytes, Math.max(1, o.warmup));
    paths.push(path);
  }
  log(`bench: peer hop: ${label}: ${paths.join(', ')} owned by e2; warmed with ${o.warmup} requests per target; measuring ${o.requests} per target in ${o.blocks} blocks`);
  const originBefore = await Promise.all(builds.map((b) => originRequestCount(b.ring.originUrl)));
  const seconds = builds.map(() => 0);
  const blocks = builds.map((): Record<Leg, number[][]> => ({ direct: [], peer: [] }));
  for (const [i, n] of blockSizes(o.requests, o.blocks).entries()) {
    for (const k of buildOrder(i, builds.length)) {
      const started = performance.now();
      for (const leg of blockOrder(i)) blocks[k]![leg].push(await runLeg(builds[k]!.clients[leg], leg, paths[k]!, bodyBytes, n));
      seconds[k]! += (performance.now() - started) / 1000;
    }
  }
  const results: SizeResult[] = [];
  for (const [k, b] of builds.entries()) {
    const originRequests = (await originRequestCount(b.ring.originUrl)) - originBefore[k]!;
    if (originRequests !== 0) log(`bench: WARNING peer hop ${label} (${b.root}): the origin saw ${originRequests} requests while measuring`);
    results.push({ id, label, path: paths[k]!, bodyBytes, ...summarizeLegs(blocks[k]!.direct, blocks[k]!.peer), originRequests, seconds: seconds[k]! });
  }
  return results;
}

/**
 * `n` misses through e1 per build, one at a time, each for a path nobody asked for before, in blocks
 * taken by the builds in turn; checked after the clock stops. `warmup` misses per build go first,
 * unmeasured: a build's first misses run code its hits never did. Without them block p50s fell by a
 * third to over half from the first block to the last (32-57% over six runs of two builds), with 500
 * still by about a third (36% for both builds in one run, 2026-12-05): the alternating blocks share
 * out what is left.
 */
async function measureMisses(builds: readonly Build[], n: number, blockCount: number, warmup: number, log: (l: string) => void): Promise<PeerHopResult['misses'][]> {
  const tag = randomBytes(4).toString('hex');
  for (const b of builds) for (let i = 0; i < warmup; i++) await get(b.clients.peer, `/peerhop/miss-${tag}/warmup-${i}`);
  const originBefore = await Promise.all(builds.map((b) => originRequestCount(b.ring.originUrl)));
  const answers = builds.map((): Answer[][] => []);
  let next = 0;
  for (const [i, size] of blockSizes(n, blockCount).entries()) {
    for (const k of buildOrder(i, builds.length)) {
      const block: Answer[] = new Array<Answer>(size);
      for (let j = 0; j < size; j++) block[j] = await get(builds[k]!.clients.peer, `/peerhop/miss-${tag}/${next + j}`);
      answers[k]!.push(block);
    }
    next += size;
  }
  const results: PeerHopResult['misses'][] = [];
  for (const [k, b] of builds.entries()) {
    const originRequests = (await originRequestCount(b.ring.originUrl)) - originBefore[k]!;
    for (const a of answers[k]!.flat()) {
      if (a.status !== 200 || a.bytes !== 1024) throw new Error(`peer hop: a miss answered ${a.status} with ${a.bytes} bytes (${b.root})`);
      if (a.cacheStatus === undefined || !a.cacheStatus.includes('fwd=')) throw new Error(`peer hop: a miss was not forwarded (Cache-Status: ${JSON.stringify(a.cacheStatus)}; ${b.root})`);
    }
    if (originRequests !== n) log(`bench: WARNING peer hop misses (${b.root}): the origin saw ${originRequests} requests for ${n} misses`);
    const blocks = answers[k]!.map((block) => block.map((a) => a.ms));
    results.push({ count: n, latencyMs: distribution(blocks.flat()), blockP50Ms: blocks.map((x) => percentile(x, 50)), originRequests });
  }
  return results;
}

export interface PeerHopContext {
  /** The checkout whose dist/ runs the origin and edges; default this one. */
  root?: string;
  /** CPU the origin and both edges are pinned to; undefined runs them unpinned. */
  serverCpu: number | undefined;
  /** The CPU this process is pinned to (for the report only). */
  harnessCpu: number | undefined;
  log: (line: string) => void;
}

export async function runPeerHopBench(o: PeerHopOptions, ctx: PeerHopContext): Promise<PeerHopResult> {
  return (await runPeerHopBenches(o, [ctx.root ?? ROOT], ctx))[0]!;
}

/**
 * The bench on each checkout in `roots` at once (their dist/ runs the origin and edges): one ring
 * each, all on the server CPU, every block of hits and of misses run on each build in turn
 * (`buildOrder`). One result per root, in order.
 */
export async function runPeerHopBenches(o: PeerHopOptions, roots: readonly string[], ctx: Omit<PeerHopContext, 'root'>): Promise<PeerHopResult[]> {
  if (roots.length === 0) throw new Error('runPeerHopBenches: no build to run');
  const builds: Build[] = [];
  try {
    for (const root of roots) {
      // Both edges get the young generation the edge ships with (or EDGE_SEMI_SPACE_MIB's), as every other
      // edge the bench starts: started bare, they ran with Node's default, which no launcher of the edge uses.
      const ring = await startRing(ctx.serverCpu, root, semiSpaceFlagsFromEnv(process.env));
      builds.push({ root, ring, clients: { direct: new Client(ring.e2Url), peer: new Client(ring.e1Url) } });
      ctx.log(`bench: peer hop: ${root}: origin ${ring.originUrl}, e1 ${ring.e1Url}, e2 ${ring.e2Url}${ctx.serverCpu === undefined ? '' : ` (all on CPU ${ctx.serverCpu})`}`);
    }
    const oneK = await measureSize(builds, '1k', '1 KiB', '', 1024, o, ctx.log);
    const hundredK = await measureSize(builds, '100k', '100 KiB', '?size=102400', 102_400, o, ctx.log);
    const misses = await measureMisses(builds, o.misses, o.blocks, o.warmup, ctx.log);
    return builds.map((b, k) => {
      const sizes = [oneK[k]!, hundredK[k]!];
      const targeted = sizes.find((s) => s.bodyBytes === PEER_HOP_TARGETS.bodyBytes)!;
      return {
        options: o,
        root: b.root,
        misses: misses[k]!,
        serverCpu: ctx.serverCpu ?? null,
        harnessCpu: ctx.harnessCpu ?? null,
        sizes,
        targets: { addedP50Ms: { target: PEER_HOP_TARGETS.addedP50Ms, value: targeted.addedP50Ms, met: targeted.addedP50Ms <= PEER_HOP_TARGETS.addedP50Ms } },
      };
    });
  } finally {
    for (const b of builds) {
      await Promise.all([b.clients.direct.close(), b.clients.peer.close()].map((p) => p.catch(() => undefined)));
      await Promise.all([b.ring.e1, b.ring.e2, b.ring.origin].map(stopProcess));
    }
  }
}

/** The figures the summary table shows, per object size. */
export function peerHopFigures(r: PeerHopResult): PeerHopSizeFigures[] {
  return r.sizes.map((s) => ({
    id: s.id,
    label: s.label,
    bodyBytes: s.bodyBytes,
    directP50Ms: s.direct.latencyMs.p50,
    directP99Ms: s.direct.latencyMs.p99,
    peerP50Ms: s.peer.latencyMs.p50,
    peerP99Ms: s.peer.latencyMs.p99,
    addedP50Ms: s.addedP50Ms,
  }));
}

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

export function formatPeerHopReport(r: PeerHopResult): string {
  const o = r.options;
  const where = r.serverCpu === null ? 'unpinned' : `origin, e1 and e2 on CPU ${r.serverCpu}, client on CPU ${r.harnessCpu ?? '?'}`;
  const lines = [
    `peer hop bench: ${o.requests} sequential GETs per target and size after ${o.warmup} warm-up, in ${o.blocks} interleaved blocks, ` +
      `one keep-alive connection per edge; ${where}; latency send -> last body byte`,
  ];
  for (const s of r.sizes) {
    const blocks = s.blockAddedP50Ms;
    lines.push(
      `  ${s.label} (${s.path}, ${s.seconds.toFixed(1)} s): direct hit on e2 p50 ${ms(s.direct.latencyMs.p50)} p99 ${ms(s.direct.latencyMs.p99)} ms; ` +
        `via e1 p50 ${ms(s.peer.latencyMs.p50)} p99 ${ms(s.peer.latencyMs.p99)} ms; ` +
        `added p50 ${ms(s.addedP50Ms)} ms (per block ${ms(Math.min(...blocks))}..${ms(Math.max(...blocks))}), p99 ${ms(s.addedP99Ms)} ms; origin requests ${s.originRequests}` +
        (s.bodyBytes === PEER_HOP_TARGETS.bodyBytes ? ` (target added p50 <= ${PEER_HOP_TARGETS.addedP50Ms} ms) ${r.targets.addedP50Ms.met ? 'met' : 'MISSED'}` : ''),
    );
  }
  const m = r.misses;
  lines.push(
    `  misses via e1 (${m.count}, each a new 1 KiB URL, in ${m.blockP50Ms.length} blocks; origin saw ${m.originRequests}): p50 ${ms(m.latencyMs.p50)} p99 ${ms(m.latencyMs.p99)} ms ` +
      `(block p50s ${m.blockP50Ms.map(ms).join(' ')})`,
  );
  return lines.join('\n');
}

/**
 * This build's peer-hop and miss figures beside another build's from the same run (`npm run bench`
 * with BENCH_AGAINST): each row with both values and this/baseline.
 */
export function formatPeerHopComparison(mine: PeerHopResult, baseline: PeerHopResult): string {
  const row = (label: string, a: number, b: number): string => `  ${label.padEnd(38)} ${ms(a).padStart(8)} ${ms(b).padStart(8)}   ${(a / b).toFixed(2)}x`;
  const size = (r: PeerHopResult, id: string): SizeResult => r.sizes.find((s) => s.id === id)!;
  // Blocks i of both builds ran back to back, so their ratio is the pair least disturbed by the machine.
  const perBlock = (label: string, a: readonly number[], b: readonly number[]): string => {
    if (a.length !== b.length) return `  ${label} per block: not compared (${a.length} blocks against ${b.length}; not run side by side)`;
    return `  ${label}, this/baseline per block: ${pairedRatiosText(a, b)}`;
  };
  const lines = [`peer hop and misses, this build vs ${baseline.root}, in the same blocks taken in turn (ms; ratio this/baseline):`, `  ${''.padEnd(38)} ${'this'.padStart(8)} ${'baseline'.padStart(8)}`];
  const blockLines: string[] = [];
  for (const id of ['1k', '100k']) {
    const a = size(mine, id);
    const b = size(baseline, id);
    lines.push(row(`${a.label} direct hit p50`, a.direct.latencyMs.p50, b.direct.latencyMs.p50));
    lines.push(row(`${a.label} via peer p50`, a.peer.latencyMs.p50, b.peer.latencyMs.p50));
    lines.push(row(`${a.label} peer hop added p50`, a.addedP50Ms, b.addedP50Ms));
    blockLines.push(perBlock(`${a.label} via peer p50`, a.peer.blockP50Ms, b.peer.blockP50Ms), perBlock(`${a.label} peer hop added p50`, a.blockAddedP50Ms, b.blockAddedP50Ms));
  }
  lines.push(row('miss via e1 p50', mine.misses.latencyMs.p50, baseline.misses.latencyMs.p50));
  lines.push(row('miss via e1 p99', mine.misses.latencyMs.p99, baseline.misses.latencyMs.p99));
  lines.push(...blockLines, perBlock('miss via e1 p50', mine.misses.blockP50Ms, baseline.misses.blockP50Ms));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const o = readPeerHopOptions(process.env);
  const num = (name: string, dflt: number): number => (process.env[name] === undefined || process.env[name] === '' ? dflt : Number(process.env[name]));
  const pinning = onPath('taskset');
  const serverCpu = pinning ? num('BENCH_SERVER_CPU', 0) : undefined;
  const harnessCpu = pinning ? num('BENCH_GENERATOR_CPU', 1) : undefined;
  if (harnessCpu !== undefined && !pinSelf(harnessCpu)) process.stderr.write('bench: could not pin the harness itself\n');
  process.stdout.write(`peer hop bench options: ${JSON.stringify(o)}\n`);
  const against = againstRoot(process.env['BENCH_AGAINST'], 'BENCH_AGAINST');
  const roots = against === undefined ? [ROOT] : [ROOT, against];
  const results = await runPeerHopBenches(o, roots, { serverCpu, harnessCpu, log: (l) => void process.stderr.write(`${l}\n`) });
  for (const r of results) process.stdout.write(`${formatPeerHopReport(r)}\n`);
  if (results.length === 2) process.stdout.write(`${formatPeerHopComparison(results[0]!, results[1]!)}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`peer hop bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
