/**
 * The purge bench's rig: a control plane (the binary of a chosen build, in a child process; or
 * three replicas on three etcd members) and N real `Edge`s with the real `ControlClient` over
 * undici in this process, each edge's applies timed per seq, and a client that POSTs purges.
 * purge-propagation.ts measures one rig; purge-compare.ts runs two builds' rigs side by side.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createJsonLogger } from '../../common/adapters/json-logger.js';
import { systemClock, systemRandom, systemTimers } from '../../common/adapters/system-clock.js';
import { createUndiciTransport } from '../../common/adapters/undici-transport.js';
import type { Transport } from '../../common/ports.js';
import type { EdgeConfig } from '../../edge/config.js';
import type { ControlClient } from '../../edge/control/control-client.js';
import { createControlClient, createEdge, edgeConfigWithDefaults } from '../../edge/create-edge.js';
import type { Edge } from '../../edge/pipeline/edge.js';
import { EtcdCluster } from './etcd-cluster.js';
import { spawnProcess, stopProcess, waitForLine, type Spawned } from './processes.js';
import type { PurgeBenchOptions } from './purge-propagation.js';

/** What the rig takes from the bench's options. */
export type PurgeRigOptions = Pick<PurgeBenchOptions, 'edges' | 'store' | 'postTo' | 'concurrency'>;

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/loadtests/bench
const ROOT = resolve(HERE, '..', '..', '..');
const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

export interface PurgeBenchContext {
  /** The control plane to run: `control-plane/main.js` of a build; default this build's. */
  controlPlaneMain?: string;
  /** CPU the control plane is pinned to; undefined runs it unpinned. */
  controlPlaneCpu: number | undefined;
  /** The CPU this process is pinned to (for the report only). */
  harnessCpu: number | undefined;
  /** etcd store: control-plane replicas (BENCH_PURGE_REPLICAS; default 3), pinned like a lone control plane. */
  replicas?: number;
  /** etcd store: the CPU every etcd member is pinned to (BENCH_ETCD_CPU); absent: unpinned. */
  etcdCpu?: number | undefined;
  /**
   * etcd store: the CPU of each replica (BENCH_REPLICA_CPUS, e.g. `0,1,0`; `none`: unpinned); absent:
   * all on controlPlaneCpu. A real region runs each replica on its own machine; on a 2-core bench
   * host, all three on one CPU measures CPU contention between them rather than the store.
   */
  replicaCpus?: ReadonlyArray<number | undefined>;
  /** The edges' ids are `<prefix>-e0`...; default `bench`. Two rigs side by side take different ones, so a log line names its rig. */
  edgeIdPrefix?: string;
  log: (line: string) => void;
}

export interface BenchEdge {
  id: string;
  edge: Edge;
  control: ControlClient;
  transport: Transport;
}

/** Per-seq application times: one slot per edge; filled only while `recording`. */
export class ApplyRecorder {
  recording = false;
  readonly appliedAt = new Map<number, Float64Array>();
  orderViolations = 0;
  unexpectedFlushes = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];

  constructor(private readonly edges: readonly BenchEdge[]) {}

  onApplied(edgeIndex: number, previousSeq: number, seq: number, atMs: number): void {
    if (seq !== previousSeq + 1) this.orderViolations++;
    if (this.recording) {
      let times = this.appliedAt.get(seq);
      if (times === undefined) {
        times = new Float64Array(this.edges.length).fill(NaN);
        this.appliedAt.set(seq, times);
      }
      times[edgeIndex] = atMs;
    }
    if (this.waiters.length > 0) this.wake();
  }

  minAppliedSeq(): number {
    let min = Infinity;
    for (const e of this.edges) min = Math.min(min, e.edge.control.purges.appliedSeq);
    return min;
  }

  /** Resolves once every edge has applied `seq`; rejects after `timeoutMs`. */
  allApplied(seq: number, timeoutMs: number): Promise<void> {
    if (this.minAppliedSeq() >= seq) return Promise.resolve();
    return new Promise((resolveAll, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`purge bench: seq ${seq} not applied on every edge within ${timeoutMs} ms (applied: ${this.edges.map((e) => `${e.id}=${e.edge.control.purges.appliedSeq}`).join(' ')})`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolveAll();
      };
      this.waiters.push({ seq, resolve: done });
    });
  }

  private wake(): void {
    const min = this.minAppliedSeq();
    const ready = this.waiters.filter((w) => w.seq <= min);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.seq > min);
    for (const w of ready) w.resolve();
  }
}

function purgeBody(n: number): string {
  return JSON.stringify({ kind: 'url', values: [`http://bench.invalid/object/${n}`], soft: false });
}

export interface Accepted {
  seq: number;
  postMs: number;
  acceptedMs: number;
  /** Index of the replica (control-plane URL) that answered. */
  replica: number;
}

/** POSTs purges; with several control-plane replicas, round-robin over them. */
export class PurgeClient {
  private readonly pools: Pool[];
  private sent = 0;

  constructor(
    urls: readonly string[],
    private readonly token: string,
    connections: number,
  ) {
    this.pools = urls.map((url) => new Pool(url, { connections, pipelining: 1 }));
  }

  /** One POST /purges: the 202's seq and times, or the status it got instead. */
  async post(): Promise<Accepted | { status: number }> {
    const body = purgeBody(this.sent++);
    const replica = this.sent % this.pools.length;
    const postMs = performance.now();
    const res = await this.pools[replica]!.request({
      path: '/purges',
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body,
    });
    const acceptedMs = performance.now();
    if (res.statusCode !== 202) {
      await res.body.dump();
      return { status: res.statusCode };
    }
    const answer = (await res.body.json()) as { seq: number };
    return { seq: answer.seq, postMs, acceptedMs, replica };
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.close()));
  }
}

export async function postOk(client: PurgeClient): Promise<Accepted> {
  const r = await client.post();
  if ('status' in r) throw new Error(`purge bench: POST /purges answered ${r.status}`);
  return r;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function buildEdges(n: number, controlUrls: readonly string[], token: string, recorder: () => ApplyRecorder, idPrefix = 'bench'): BenchEdge[] {
  const edges: BenchEdge[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${idPrefix}-e${i}`;
    // Nothing ever connects to the origin or to the advertised URL: these edges serve no traffic.
    // Schema defaults fill the rest of controlPlane (stream idle, back-off), as for cdn-edge.
    // Every edge knows every replica, each starting on a different one.
    const url = [...controlUrls.slice(i % controlUrls.length), ...controlUrls.slice(0, i % controlUrls.length)].join(',');
    const controlPlane = { url, token } as EdgeConfig['controlPlane'];
    const config = edgeConfigWithDefaults({ id, origin: 'http://127.0.0.1:9', logLevel: 'warn', controlPlane });
    const transport = createUndiciTransport();
    const logger = createJsonLogger(id, 'warn');
    const ports = { clock: systemClock, timers: systemTimers, transport, logger, random: systemRandom };
    const edge = createEdge(config, ports);
    // The edge's control events say when each purge lands; the applied seq before it comes from the last event.
    let previousSeq = edge.control.purges.appliedSeq;
    let hellos = 0;
    edge.control.events.subscribe((event) => {
      if (event.type === 'purge-applied') {
        recorder().onApplied(i, previousSeq, event.seq, performance.now());
        previousSeq = event.appliedSeq;
      } else if (event.type === 'flushed') {
        // The first flush is the fresh start's (hello on an empty cache); any later one means this
        // edge fell behind the retained log.
        if (hellos++ > 0) recorder().unexpectedFlushes++;
        previousSeq = event.appliedSeq;
      }
    });
    const control = createControlClient(config, edge, ports, `http://127.0.0.1:${10_000 + i}`);
    if (control === undefined) throw new Error('purge bench: edge built without a control client');
    edges.push({ id, edge, control, transport });
  }
  return edges;
}

export async function waitStreaming(edges: readonly BenchEdge[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!edges.every((e) => e.control.state === 'streaming' && e.control.logId !== undefined)) {
    if (performance.now() > deadline) {
      throw new Error(`purge bench: edges not streaming within ${timeoutMs} ms: ${edges.map((e) => `${e.id}=${e.control.state}`).join(' ')}`);
    }
    await sleep(10);
  }
}

/** The CPU each etcd-store replica runs on (undefined: unpinned). */
export function replicaLayout(ctx: PurgeBenchContext): Array<number | undefined> {
  if (ctx.replicaCpus !== undefined) return [...ctx.replicaCpus];
  return Array.from({ length: ctx.replicas ?? 3 }, () => ctx.controlPlaneCpu);
}

export function nodeArgsFromEnv(name: string): string[] {
  const value = process.env[name]?.trim();
  return value === undefined || value === '' ? [] : value.split(/\s+/);
}

/** A running rig; `close` stops the edges, the client, the control plane(s) and etcd, and removes the data. */
export interface PurgeRig {
  controlUrls: string[];
  controlPlanes: Spawned[];
  edges: BenchEdge[];
  recorder: ApplyRecorder;
  client: PurgeClient;
  /** The admin token POST /purges and /metrics take. */
  token: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts the control plane of `ctx.controlPlaneMain` (default this build's) and `o.edges` edges
 * streaming from it; on failure, stops whatever had started before rethrowing.
 */
export async function startPurgeRig(o: PurgeRigOptions, ctx: PurgeBenchContext): Promise<PurgeRig> {
  const token = randomBytes(16).toString('hex');
  const controlPlaneMain = ctx.controlPlaneMain ?? join(ROOT, 'dist', 'control-plane', 'main.js');
  // Edges hold their own credential, apart from the admin token that purges (#13); a build from
  // before #13 (a baseline) has one token for both. Asked before anything is made: a wrong
  // baseline dist fails here with nothing to clean up.
  const separateEdgeToken = execFileSync(process.execPath, [controlPlaneMain, '--help'], { encoding: 'utf8' }).includes('--edge-token');
  const edgeToken = separateEdgeToken ? randomBytes(16).toString('hex') : token;
  const dataDir = mkdtempSync(join(tmpdir(), 'edgeworks-purge-bench-'));
  const controlPlanes: Spawned[] = [];
  const controlUrls: string[] = [];
  let etcd: EtcdCluster | undefined;
  let edges: BenchEdge[] = [];
  let client: PurgeClient | undefined;
  const close = async (): Promise<void> => {
    for (const e of edges) e.control.stop();
    await client?.close().catch(() => undefined);
    await Promise.all(edges.map((e) => e.transport.close().catch(() => undefined)));
    for (const cp of controlPlanes) await stopProcess(cp, nodeArgsFromEnv('BENCH_CP_NODE_ARGS').length > 0 ? 10_000 : 0);
    await etcd?.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const startControlPlane = async (storeArgs: string[], cpu = ctx.controlPlaneCpu): Promise<void> => {
      const cp = spawnProcess({
        name: `control-plane ${controlPlanes.length + 1}`,
        cpu,
        command: process.execPath,
        // BENCH_CP_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the control plane.
        args: [...nodeArgsFromEnv('BENCH_CP_NODE_ARGS'), controlPlaneMain, '--port', '0', '--host', '127.0.0.1', ...storeArgs, '--token', token, ...(separateEdgeToken ? ['--edge-token', edgeToken] : []), '--log-level', 'warn'],
      });
      controlPlanes.push(cp);
      const m = await waitForLine(cp, LISTENING, 30_000);
      controlUrls.push(`http://127.0.0.1:${m[1]}`);
    };
    if (o.store === 'file') {
      await startControlPlane(['--data-dir', dataDir]);
    } else {
      etcd = await EtcdCluster.create(3, dataDir, ctx.etcdCpu);
      const replicaCpus = replicaLayout(ctx);
      for (let i = 0; i < replicaCpus.length; i++) await startControlPlane(['--store', 'etcd', '--etcd-endpoints', etcd.endpoints.join(','), '--etcd-prefix', '/bench/'], replicaCpus[i]);
    }
    let recorder: ApplyRecorder | undefined;
    edges = buildEdges(o.edges, controlUrls, edgeToken, () => recorder!, ctx.edgeIdPrefix);
    recorder = new ApplyRecorder(edges);
    for (const e of edges) e.control.start();
    await waitStreaming(edges, 10_000);
    ctx.log(`bench: purge: ${o.store} store, control plane ${controlUrls.join(',')} (pids ${controlPlanes.map((c) => c.pid).join(',')}, data in ${dataDir}), ${edges.length} edges streaming`);
    client = new PurgeClient(o.postTo === 'first' ? controlUrls.slice(0, 1) : controlUrls, token, o.concurrency);
    return { controlUrls, controlPlanes, edges, recorder, client, token, dataDir, close };
  } catch (err) {
    // The start's error is the one to report, not a failure to tidy up after it.
    await close().catch(() => undefined);
    throw err;
  }
}
