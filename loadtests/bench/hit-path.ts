/**
 * The cache-HIT cases: what each requests, filling both servers, proving the edge answers from
 * its cache (Cache-Status says hit, the origin sees no request) and that both servers send the
 * same bytes, then interleaved rounds of baseline and edge runs under the same load generator.
 */
import { Pool } from 'undici';
import { mergeRuns, runLoad, type LoadOptions, type LoadRun } from './load.js';
import { allPaths, type UrlSet } from './url-set.js';
import { median } from '../../common/median.js';

export interface BenchCase {
  id: string;
  label: string;
  set: UrlSet;
  bodyBytes: number;
  /** 'browser': about 15 request header fields (~800 bytes) with varying User-Agent and Cookie (wrk only). */
  requestHeaders?: 'browser';
}

export function benchCases(hotCount: number): BenchCase[] {
  return [
    { id: 'one-1k', label: '1 KiB, 1 URL', set: { kind: 'single', path: '/bench/one-1k' }, bodyBytes: 1024 },
    { id: 'hot-1k', label: `1 KiB, ${hotCount} URLs`, set: { kind: 'hot', prefix: '/bench/hot/', suffix: '', count: hotCount }, bodyBytes: 1024 },
    { id: 'one-100k', label: '100 KiB, 1 URL', set: { kind: 'single', path: '/bench/one-100k?size=102400' }, bodyBytes: 102_400 },
    { id: 'browser-1k', label: `1 KiB, ${hotCount} URLs, browser headers`, set: { kind: 'hot', prefix: '/bench/hot/', suffix: '', count: hotCount }, bodyBytes: 1024, requestHeaders: 'browser' },
  ];
}

/** Our member of a Cache-Status list (RFC 9211) is the last one; a hit carries the `hit` parameter. */
export function cacheStatusIsHit(value: string | undefined): boolean {
  if (value === undefined) return false;
  const members = value.split(',');
  const ours = members[members.length - 1] ?? '';
  return ours
    .split(';')
    .slice(1)
    .some((param) => param.trim() === 'hit');
}

/** Evenly spread sample of at most `n` items, first and last included. */
export function sample<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[Math.floor((i * (items.length - 1)) / Math.max(1, n - 1))]!);
  return out;
}

export interface Fetched {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export async function fetchAll(baseUrl: string, paths: readonly string[], connections: number): Promise<Fetched[]> {
  const pool = new Pool(baseUrl, { connections, pipelining: 1 });
  const out: Fetched[] = new Array<Fetched>(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < paths.length; i = next++) {
      const res = await pool.request({ path: paths[i]!, method: 'GET' });
      out[i] = { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    await pool.close();
  }
  return out;
}

/** Requests every URL once; every answer must be a 200 of the expected size. */
export async function warm(baseUrl: string, c: BenchCase): Promise<void> {
  const paths = allPaths(c.set);
  const got = await fetchAll(baseUrl, paths, 32);
  got.forEach((r, i) => {
    if (r.status !== 200 || r.body.length !== c.bodyBytes) {
      throw new Error(`warming ${baseUrl}${paths[i]}: status ${r.status}, ${r.body.length} bytes (expected 200, ${c.bodyBytes})`);
    }
  });
}

/** A sample of the case's URLs must be edge hits with the same body and header fields as the baseline's. */
export async function verifyCase(edgeUrl: string, plainUrl: string, c: BenchCase): Promise<{ checked: number }> {
  const paths = sample(allPaths(c.set), 100);
  const [fromEdge, fromPlain] = await Promise.all([fetchAll(edgeUrl, paths, 8), fetchAll(plainUrl, paths, 8)]);
  paths.forEach((path, i) => {
    const e = fromEdge[i]!;
    const p = fromPlain[i]!;
    const cs = e.headers['cache-status'];
    if (!cacheStatusIsHit(typeof cs === 'string' ? cs : undefined)) throw new Error(`edge ${path}: Cache-Status ${JSON.stringify(cs)} is not a hit`);
    if (e.status !== p.status || !e.body.equals(p.body)) throw new Error(`${path}: edge and baseline differ (status ${e.status} vs ${p.status}, ${e.body.length} vs ${p.body.length} bytes)`);
    // Connection and Keep-Alive belong to the HTTP layer (node:http sends both on every answer, the
    // own layer neither on HTTP/1.1), not to what the cache answers.
    const fields = (h: Fetched['headers']): string => Object.keys(h).filter((k) => k !== 'connection' && k !== 'keep-alive').sort().join(' ');
    const edgeFields = fields(e.headers);
    const plainFields = fields(p.headers);
    if (edgeFields !== plainFields || e.headers['via'] !== p.headers['via']) {
      throw new Error(`${path}: edge and baseline send different header fields (${edgeFields} / ${plainFields}; via ${String(e.headers['via'])} / ${String(p.headers['via'])})`);
    }
  });
  return { checked: paths.length };
}

/**
 * A peer (nginx, Varnish) has no Cache-Status of ours: a sample of the case's URLs must come back
 * with the edge's bodies while the origin sees no request, which is what a hit is.
 */
export async function verifyPeer(peerUrl: string, edgeUrl: string, originUrl: string, c: BenchCase): Promise<{ checked: number }> {
  const paths = sample(allPaths(c.set), 100);
  const before = await originRequestCount(originUrl);
  const [fromPeer, fromEdge] = await Promise.all([fetchAll(peerUrl, paths, 8), fetchAll(edgeUrl, paths, 8)]);
  const seen = (await originRequestCount(originUrl)) - before;
  paths.forEach((path, i) => {
    const p = fromPeer[i]!;
    const e = fromEdge[i]!;
    if (p.status !== e.status || !p.body.equals(e.body)) throw new Error(`${peerUrl}${path}: peer and edge differ (status ${p.status} vs ${e.status}, ${p.body.length} vs ${e.body.length} bytes)`);
  });
  if (seen !== 0) throw new Error(`${peerUrl}: the origin saw ${seen} requests while ${paths.length} warmed URLs were fetched; not all hits`);
  return { checked: paths.length };
}

export async function originRequestCount(originUrl: string): Promise<number> {
  const [r] = await fetchAll(originUrl, ['/_stats'], 1);
  const stats = JSON.parse(r!.body.toString('utf8')) as { requests?: unknown };
  if (typeof stats.requests !== 'number') throw new Error(`origin /_stats: no requests count in ${r!.body.toString('utf8').slice(0, 200)}`);
  return stats.requests;
}

/** `edge-log`: the same edge with `--access-log FILE` (BENCH_ACCESS_LOG), judged against `edge`. */
export type TargetName = 'baseline' | 'edge' | 'edge-log' | 'nginx' | 'varnish';

export interface Target {
  name: TargetName;
  baseUrl: string;
  /** The process that serves (nginx's worker, Varnish's child): its CPU is what the run costs. */
  pid: number;
}

export interface TargetRun {
  target: TargetName;
  warmup: LoadRun;
  /** The rounds merged (mergeRuns). */
  measured: LoadRun;
  rounds: LoadRun[];
  /** Requests the origin saw during the measured rounds (must be 0 for an all-hit run). */
  originRequests: number;
}

export interface CaseRun {
  case: BenchCase;
  runs: TargetRun[];
}

/** `num`'s req/s over `den`'s, round by round (every target ran once in each round); [] if either is absent. */
export function roundRatios(run: CaseRun, num: TargetName, den: TargetName): number[] {
  const a = run.runs.find((r) => r.target === num);
  const b = run.runs.find((r) => r.target === den);
  if (a === undefined || b === undefined) return [];
  return a.rounds.map((r, i) => r.requestsPerSec / b.rounds[i]!.requestsPerSec);
}

/** `num`'s p99 latency over `den`'s, round by round; [] if either is absent. */
export function roundP99Ratios(run: CaseRun, num: TargetName, den: TargetName): number[] {
  const a = run.runs.find((r) => r.target === num);
  const b = run.runs.find((r) => r.target === den);
  if (a === undefined || b === undefined) return [];
  return a.rounds.map((r, i) => r.result.latencyUsP99 / b.rounds[i]!.result.latencyUsP99);
}

/**
 * Median of the per-round p99 ratios. The worst round of each (what a merged run reports) let one
 * nginx round at 10.5 ms p99, against 0.6-1.9 ms in its other five, pass the edge's 5-7 ms as
 * 0.63x nginx's (2026-12-02 09:00 run).
 */
export function medianP99Ratio(run: CaseRun, num: TargetName, den: TargetName): number {
  return median(roundP99Ratios(run, num, den));
}

/** Median of the per-round ratios: one disturbed round cannot move it the way it moves a mean. */
export function medianRatio(run: CaseRun, num: TargetName, den: TargetName): number {
  return median(roundRatios(run, num, den));
}

/**
 * Round r's order: the targets rotated by r, so each goes first once every n rounds; the next n
 * rounds run those orders backwards, so no target always follows the same neighbour.
 */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  const n = targets.length;
  const rotated = targets.map((_t, i) => targets[(i + round) % n]!);
  return Math.floor(round / n) % 2 === 0 ? rotated : rotated.reverse();
}

export interface HitPathOptions {
  load: Omit<LoadOptions, 'baseUrl' | 'set' | 'durationSeconds' | 'serverPid' | 'requestHeaders'>;
  warmupSeconds: number;
  /** Measured seconds per target, split over the rounds. */
  seconds: number;
  /**
   * Measured rounds per target, every target once in each and the order moved every round. One
   * long run each let the machine's drift between runs (the baseline alone moved 15% from run to
   * run) land in the ratio; short interleaved rounds share it.
   */
  rounds: number;
  originUrl: string;
  log: (line: string) => void;
}

/** Each target's warm-up run (discarded), then `rounds` measured rounds, every round printed. */
export async function runCase(c: BenchCase, targets: readonly Target[], o: HitPathOptions): Promise<CaseRun> {
  const rounds = Math.max(1, Math.floor(o.rounds));
  const roundSeconds = Math.max(1, Math.round(o.seconds / rounds));
  const load = (t: Target, seconds: number): Promise<LoadRun> =>
    runLoad({ ...o.load, baseUrl: t.baseUrl, set: c.set, requestHeaders: c.requestHeaders, serverPid: t.pid, durationSeconds: seconds });
  const warmups = new Map<Target, LoadRun>();
  for (const t of targets) {
    o.log(`bench: ${c.id} ${t.name}: warm-up ${o.warmupSeconds}s`);
    warmups.set(t, await load(t, o.warmupSeconds));
  }
  const measured = new Map<Target, LoadRun[]>(targets.map((t) => [t, []]));
  const originSeen = new Map<Target, number>(targets.map((t) => [t, 0]));
  o.log(`bench: ${c.id}: measuring ${rounds} rounds of ${roundSeconds}s per target (${targets.map((t) => t.name).join(', ')}), order moving`);
  for (let round = 0; round < rounds; round++) {
    for (const t of roundOrder(targets, round)) {
      const originBefore = await originRequestCount(o.originUrl);
      measured.get(t)!.push(await load(t, roundSeconds));
      originSeen.set(t, originSeen.get(t)! + (await originRequestCount(o.originUrl)) - originBefore);
    }
    o.log(`bench: ${c.id} round ${round + 1}: ${targets.map((t) => `${t.name} ${Math.round(measured.get(t)![round]!.requestsPerSec)} req/s p99 ${(measured.get(t)![round]!.result.latencyUsP99 / 1000).toFixed(2)} ms`).join(', ')}`);
  }
  const runs: TargetRun[] = targets.map((t) => {
    const rs = measured.get(t)!;
    for (const [label, r] of [['warm-up', warmups.get(t)!], ...rs.map((x, i) => [`round ${i + 1}`, x] as const)] as const) {
      const e = r.result;
      const bad = e.errorsConnect + e.errorsRead + e.errorsWrite + e.errorsStatus + e.errorsTimeout;
      if (bad > 0) o.log(`bench: WARNING ${c.id} ${t.name} ${label}: ${bad} errors ${JSON.stringify(e)}`);
    }
    const originRequests = originSeen.get(t)!;
    if (originRequests !== 0) o.log(`bench: WARNING ${c.id} ${t.name}: the origin saw ${originRequests} requests during the measured rounds`);
    return { target: t.name, warmup: warmups.get(t)!, measured: mergeRuns(rs), rounds: rs, originRequests };
  });
  return { case: c, runs };
}
