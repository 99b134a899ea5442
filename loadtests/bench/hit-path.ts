/**
 * The cache-HIT cases: what each requests, filling both servers, proving the edge answers from
 * its cache (Cache-Status says hit, the origin sees no request) and that both servers send the
 * same bytes, then alternating baseline and edge runs under the same load generator.
 */
import { Pool } from 'undici';
import { runLoad, type LoadOptions, type LoadRun } from './load.js';
import { allPaths, type UrlSet } from './url-set.js';

export interface BenchCase {
  id: string;
  label: string;
  set: UrlSet;
  bodyBytes: number;
}

export function benchCases(hotCount: number): BenchCase[] {
  return [
    { id: 'one-1k', label: '1 KiB, 1 URL', set: { kind: 'single', path: '/bench/one-1k' }, bodyBytes: 1024 },
    { id: 'hot-1k', label: `1 KiB, ${hotCount} URLs`, set: { kind: 'hot', prefix: '/bench/hot/', suffix: '', count: hotCount }, bodyBytes: 1024 },
    { id: 'one-100k', label: '100 KiB, 1 URL', set: { kind: 'single', path: '/bench/one-100k?size=102400' }, bodyBytes: 102_400 },
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

/** A sample of the case's URLs must be edge hits with the same body as the baseline's. */
export async function verifyCase(edgeUrl: string, plainUrl: string, c: BenchCase): Promise<{ checked: number }> {
  const paths = sample(allPaths(c.set), 100);
  const [fromEdge, fromPlain] = await Promise.all([fetchAll(edgeUrl, paths, 8), fetchAll(plainUrl, paths, 8)]);
  paths.forEach((path, i) => {
    const e = fromEdge[i]!;
    const p = fromPlain[i]!;
    const cs = e.headers['cache-status'];
    if (!cacheStatusIsHit(typeof cs === 'string' ? cs : undefined)) throw new Error(`edge ${path}: Cache-Status ${JSON.stringify(cs)} is not a hit`);
    if (e.status !== p.status || !e.body.equals(p.body)) throw new Error(`${path}: edge and baseline differ (status ${e.status} vs ${p.status}, ${e.body.length} vs ${p.body.length} bytes)`);
  });
  return { checked: paths.length };
}

export async function originRequestCount(originUrl: string): Promise<number> {
  const [r] = await fetchAll(originUrl, ['/_stats'], 1);
  const stats = JSON.parse(r!.body.toString('utf8')) as { requests?: unknown };
  if (typeof stats.requests !== 'number') throw new Error(`origin /_stats: no requests count in ${r!.body.toString('utf8').slice(0, 200)}`);
  return stats.requests;
}

export type TargetName = 'baseline' | 'edge';

export interface Target {
  name: TargetName;
  baseUrl: string;
  pid: number;
}

export interface TargetRun {
  target: TargetName;
  warmup: LoadRun;
  measured: LoadRun;
  /** Requests the origin saw during the measured run (must be 0 for an all-hit edge run). */
  originRequests: number;
}

export interface CaseRun {
  case: BenchCase;
  runs: TargetRun[];
}

export interface HitPathOptions {
  load: Omit<LoadOptions, 'baseUrl' | 'set' | 'durationSeconds' | 'serverPid'>;
  warmupSeconds: number;
  seconds: number;
  originUrl: string;
  log: (line: string) => void;
}

/** Runs the targets in the given order: a warm-up run (discarded), then the measured run. */
export async function runCase(c: BenchCase, targets: readonly Target[], o: HitPathOptions): Promise<CaseRun> {
  const runs: TargetRun[] = [];
  for (const t of targets) {
    const common = { ...o.load, baseUrl: t.baseUrl, set: c.set, serverPid: t.pid };
    o.log(`bench: ${c.id} ${t.name}: warm-up ${o.warmupSeconds}s`);
    const warmup = await runLoad({ ...common, durationSeconds: o.warmupSeconds });
    const originBefore = await originRequestCount(o.originUrl);
    o.log(`bench: ${c.id} ${t.name}: measuring ${o.seconds}s`);
    const measured = await runLoad({ ...common, durationSeconds: o.seconds });
    const originRequests = (await originRequestCount(o.originUrl)) - originBefore;
    for (const [label, r] of [['warm-up', warmup], ['measured', measured]] as const) {
      const e = r.result;
      const bad = e.errorsConnect + e.errorsRead + e.errorsWrite + e.errorsStatus + e.errorsTimeout;
      if (bad > 0) o.log(`bench: WARNING ${c.id} ${t.name} ${label}: ${bad} errors ${JSON.stringify(e)}`);
    }
    if (originRequests !== 0) o.log(`bench: WARNING ${c.id} ${t.name}: the origin saw ${originRequests} requests during the measured run`);
    runs.push({ target: t.name, warmup, measured, originRequests });
  }
  return { case: c, runs };
}
