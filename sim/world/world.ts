/**
 * A simulated deployment: the real Edge (one per simulated machine, built by `createEdge`), the
 * real origin handler, the real ControlPlane over a durable in-memory purge log, a purger and a
 * client workload, all on one Scheduler and one SimNetwork. Faults from the scenario's timeline
 * change the network, the clocks and the nodes' lives; every answer lands in the History.
 */
import type { BrokenRule } from '../../common/break-switches.js';
import type { HeaderList } from '../../common/http.js';
import type { InformationalResponse, Logger } from '../../common/ports.js';
import { createControlClient, createEdge, edgeConfigWithDefaults } from '../../edge/create-edge.js';
import type { ControlClient } from '../../edge/control/control-client.js';
import type { Edge } from '../../edge/pipeline/edge.js';
import { leaveGracefully } from '../../edge/leave.js';
import { edgeRequestOf } from '../../edge/pipeline/incoming-request.js';
import type { EdgeRequest, EdgeResponse } from '../../edge/pipeline/types.js';
import { createOrigin } from '../../origin/handler.js';
import { resolveOriginConfig } from '../../origin/schema.js';
import type { Origin } from '../../origin/types.js';
import { ControlPlane, type ApiResponse } from '../../control-plane/control-plane.js';
import { Credentials } from '../../control-plane/credentials.js';
import { controlPlaneConfigWithDefaults } from '../../control-plane/config.js';
import { openMemoryPurgeLog } from '../../control-plane/purge-log.js';
import { FaultyLogStorage } from '../kernel/faulty-log-storage.js';
import { SimNode } from '../kernel/node.js';
import { serveControlPlaneWire } from '../kernel/control-plane-wire.js';
import { edgeRequestFromWire, wireResponseOf } from '../kernel/edge-wire.js';
import { SimNetwork, type WireRequest, type WireResponse } from '../kernel/network.js';
import { collect, requestHeadersOf, type Collected } from '../kernel/wire.js';
import { RandomStreams, Zipf, type Rng } from '../kernel/random.js';
import { Scheduler, type SchedulerOptions } from '../kernel/scheduler.js';
import type { Fault, Scenario } from '../scenario/schema.js';
import { History } from '../history.js';
import { acceptEncodingPicker, codingOf, identityHead } from './content-coding.js';

/**
 * Broken variants: the first four are made here in the world (or through the edge's config);
 * the others flip one rule in product code through common/break-switches.ts (run.ts sets them).
 */
export type Break = 'purge-replay' | 'lease' | 'collapsing' | 'handoff' | keyof typeof RULE_BREAKS;
/** `--break` name -> the product rule it flips, named after the checker that must catch it. */
export const RULE_BREAKS = {
  freshness: 'freshness-ignores-age',
  routing: 'routing-peer-hop',
  local: 'local-capacity',
  convergence: 'convergence-no-reconnect',
} as const satisfies Record<string, BrokenRule>;
export const BREAKS: readonly Break[] = ['purge-replay', 'lease', 'collapsing', 'handoff', ...(Object.keys(RULE_BREAKS) as Array<keyof typeof RULE_BREAKS>)];

export interface WorldOptions {
  seed: number;
  breaks?: ReadonlySet<Break>;
  /** Receives every trace line (JSONL without newline); absent: hash only. */
  traceLine?: (line: string) => void;
  /** Sample cache sizes this often (true ms). */
  sampleEveryMs?: number;
  /** How the scheduler drains continuations (see sim/kernel/scheduler.ts); both give the same trace. */
  drain?: SchedulerOptions['drain'];
  /**
   * Stops the run every `everyMs` of simulated time and awaits `between` before going on (the
   * bench runs the ceiling in the pauses). Every event whose callback leaves continuations marks
   * itself async, so nothing simulated is pending across a pause and the run and its trace are
   * the same as without one (test/sim/bench.test.ts). Code run in `between` in this thread runs
   * under the run's `--break` rules and its coverage marks count toward the run's.
   */
  pause?: RunPause;
  /** False: no trace hash (History's `hashed`); only for the simulator bench's unchecked info row. */
  hashed?: boolean;
}

export interface RunPause {
  everyMs: number;
  between: () => Promise<void>;
}

const ORIGIN_HOST = 'origin.sim';
const CP_HOST = 'control-plane.sim';
const TOKEN = 'sim-token-0123456789abcdef';
/** What edges present to the control plane: a credential apart from the admin one, as in production. */
const EDGE_TOKEN = 'sim-edge-token-0123456789';
/** The region secret every simulated edge signs its peer requests with, as `npm start` gives its edges one. */
const PEER_SECRET = 'sim-peer-secret-0123456789abcdef0123';
const SILENT: Logger = { log() {} };
/** What every simulated client sends besides the request line. */
const CLIENT_HEADERS: HeaderList = [['host', 'cdn.example']];

interface EdgeSlot {
  node: SimNode;
  index: number;
  edge: Edge;
  /** The edge's real control-plane client (edge/control/control-client.ts); absent without a control plane. */
  control: ControlClient | undefined;
  maxBytes: number;
  /** Client requests the edge has not answered yet; a crash answers them with a reset. */
  inFlight: Set<{ done: boolean; key: string; arrivedMs: number }>;
  /** In its region's ring: started with the region, or joined; false for standby edges and after a leave. */
  member: boolean;
  /** Leaving gracefully: clients send it nothing new; in-flight requests finish. */
  draining: boolean;
  /** Resolved when the last in-flight client request is answered (graceful leave). */
  drainedWaiters: Array<() => void>;
}

export class World {
  readonly scheduler: Scheduler;
  readonly streams: RandomStreams;
  readonly network: SimNetwork;
  readonly history: History;
  readonly breaks: ReadonlySet<Break>;
  readonly edges: EdgeSlot[] = [];
  readonly originNode: SimNode;
  readonly origin: Origin;
  readonly cpNode: SimNode | undefined;
  readonly purgerNode: SimNode;
  controlPlane: ControlPlane | undefined;
  private readonly cpStorage = new FaultyLogStorage(() => this.cpNode!.timers);
  private readonly keyTargets: string[];
  private readonly zipf: Zipf;
  /** The header list each client request carries: the fixed one, or one with an Accept-Encoding drawn from the scenario's mix. */
  private readonly clientHeaders: () => HeaderList;
  private readonly workloadRng: Rng;
  private readonly faultRng: Rng;
  private workloadOn = true;
  /** Per region, the edges clients send to: members that are not draining. */
  private readonly clientTargets = new Map<string, EdgeSlot[]>();
  readonly errors: string[] = [];

  constructor(
    readonly scenario: Scenario,
    readonly options: WorldOptions,
  ) {
    this.scheduler = new Scheduler(options.drain === undefined ? {} : { drain: options.drain });
    this.streams = new RandomStreams(options.seed);
    this.breaks = options.breaks ?? new Set();
    this.history = new History(options.traceLine, options.hashed ?? true);
    this.network = new SimNetwork(this.scheduler, this.streams.stream('network'), scenario.topology.links);
    this.workloadRng = this.streams.stream('workload');
    this.faultRng = this.streams.stream('faults');

    // Keys and their sizes are fixed per seed; sizes travel in the query so the real origin makes them.
    const sizes = this.streams.stream('catalogue');
    const { minSizeBytes, maxSizeBytes } = scenario.origin;
    this.keyTargets = [];
    for (let i = 0; i < scenario.workload.keys; i++) {
      const size = minSizeBytes + Math.floor(sizes.next() * Math.max(0, maxSizeBytes - minSizeBytes + 1));
      this.keyTargets.push(`/o/${i}?size=${size}`);
    }
    this.zipf = new Zipf(scenario.workload.keys, scenario.workload.zipf);
    const mix = scenario.workload.acceptEncoding;
    this.clientHeaders = mix === undefined ? () => CLIENT_HEADERS : acceptEncodingPicker(mix, CLIENT_HEADERS, this.streams.stream('accept-encoding'));

    const cpRegion = scenario.topology.regions[0]!.name;
    this.originNode = this.addNode('origin', 'origin', 'origin', ORIGIN_HOST);
    this.origin = createOrigin({
      clock: this.originNode.clock,
      random: this.streams.stream('node:origin'),
      config: resolveOriginConfig({
        adminToken: TOKEN,
        latencyMs: scenario.origin.latencyMs,
        routes: [{ prefix: '/o/', cacheControl: scenario.origin.cacheControl }],
      }),
    });
    this.network.serve(this.originNode, (req) => this.serveOrigin(req));
    this.purgerNode = this.addNode('purger', 'purger', cpRegion, 'purger.sim');
    this.cpNode = scenario.topology.controlPlane ? this.addNode('control-plane', 'control-plane', cpRegion, CP_HOST) : undefined;

    for (const region of scenario.topology.regions) {
      for (let i = 1; i <= region.edges + region.standbyEdges; i++) {
        const id = `${region.name}-e${i}`;
        const node = this.addNode(id, 'edge', region.name, `${id}.sim`);
        const member = i <= region.edges;
        this.edges.push({ node, index: this.edges.length, edge: undefined as unknown as Edge, control: undefined, maxBytes: region.cacheMaxBytes, inFlight: new Set(), member, draining: false, drainedWaiters: [] });
      }
      this.updateClientTargets(region.name);
    }
  }

  private updateClientTargets(region: string): void {
    this.clientTargets.set(region, this.regionEdges(region).filter((e) => e.member && !e.draining));
  }

  private addNode(id: string, kind: SimNode['kind'], region: string, host: string): SimNode {
    const node = new SimNode(id, kind, region, host, this.scheduler);
    this.network.addNode(node);
    return node;
  }

  /** Builds every node, schedules workload and faults, runs to the end. */
  async run(): Promise<void> {
    const s = this.scenario;
    if (this.cpNode !== undefined) await this.startControlPlane();
    for (const slot of this.edges) {
      if (slot.member) this.startEdge(slot);
      else slot.node.crash(); // standby: down until a join fault starts it
    }
    for (const region of s.topology.regions) {
      if (region.requestsPerSecond > 0) this.scheduleArrival(region.name, region.requestsPerSecond);
    }
    if (s.workload.versionChangesPerSecond > 0) this.scheduleVersionChange();
    if (s.workload.purger.purgesPerSecond > 0 && this.cpNode !== undefined) {
      this.scheduler.at(s.workload.purger.startMs, () => this.schedulePurge(), { owner: this.purgerNode.incarnation });
    }
    for (const fault of s.faults) this.scheduler.at(fault.atMs, () => this.applyFault(fault), { async: true });
    this.scheduler.at(s.durationMs, () => this.settle(), { async: true });
    this.scheduleSamples();
    await this.runUntil(s.durationMs + s.settleMs);
    for (const slot of this.edges) {
      if (!slot.node.up || slot.edge === undefined || slot.edge.cluster === undefined) continue;
      this.history.add({ type: 'ring', t: this.scheduler.now(), node: slot.node.id, region: slot.node.region, members: slot.edge.cluster.members().map((m) => m.id).sort().join(',') });
    }
  }

  /** Runs the scheduler to `endMs`, in slices with the pauses between them when options.pause asks. */
  private async runUntil(endMs: number): Promise<void> {
    const pause = this.options.pause;
    if (pause === undefined || !(pause.everyMs > 0)) return this.scheduler.run(endMs);
    for (let t = pause.everyMs; t < endMs; t += pause.everyMs) {
      await this.scheduler.run(t);
      await pause.between();
    }
    await this.scheduler.run(endMs);
  }

  // ---------------------------------------------------------------------------------------
  // Nodes

  /**
   * Builds the edge's software on its node's current incarnation, from config as `cdn-edge` does:
   * with a control plane, `controlPlane.url` gives the Edge its lease and `createControlClient`
   * the real client, which holds the push stream through the simulated network.
   */
  private startEdge(slot: EdgeSlot): void {
    const { node } = slot;
    const s = this.scenario;
    // --peers: the region's members (a joining edge is one already), as an orchestrator would pass them.
    const peers = this.edges.filter((e) => e.node.region === node.region && e.member).map((e) => ({ id: e.node.id, url: e.node.url, weight: 1 }));
    const config = edgeConfigWithDefaults({
      id: node.id,
      region: node.region,
      origin: `http://${ORIGIN_HOST}`,
      peers: peers.length > 1 ? peers : [],
      peerAuth: { secret: PEER_SECRET } as never,
      cache: { maxBytes: slot.maxBytes } as never,
      // Breaking collapsing: waiters give up after 1 ms and fetch on their own.
      collapseWaitMs: this.breaks.has('collapsing') ? 1 : s.edge.collapseWaitMs,
      originTimeouts: { connectMs: s.edge.originConnectTimeoutMs, headersMs: s.edge.originHeadersTimeoutMs, bodyIdleMs: 30_000 },
      // Breaking handoff: no handoff window and no pushes on leave, so moved keys go to the origin.
      cluster: { peerSuspectMs: s.edge.peerSuspectMs, ...(this.breaks.has('handoff') ? { handoffMs: 0, leavePushMaxKeys: 0 } : {}) } as never,
      ...(this.cpNode === undefined ? {} : { controlPlane: { url: this.cpNode.url, token: EDGE_TOKEN, streamIdleMs: s.edge.streamIdleMs } as never }),
      ...(s.edge.compress === undefined ? {} : { compress: { encodings: s.edge.compress } as never }),
    });
    const ports = { clock: node.clock, timers: node.timers, transport: this.network.transportFor(node), logger: SILENT };
    // Breaking the lease: the edge is built as if no control plane were configured (no lease to
    // enforce) while the client still runs against it.
    const edgeConfig = this.breaks.has('lease') ? { ...config, controlPlane: { ...config.controlPlane, url: undefined } } : config;
    const edge = createEdge(edgeConfig as typeof config, ports);
    slot.edge = edge;
    slot.inFlight = new Set();
    slot.draining = false;
    slot.drainedWaiters = [];
    this.observeControl(node, edge);
    this.observePeerHealth(node, edge);
    slot.control = createControlClient(config, edge, { ...ports, random: this.streams.stream(`control:${node.id}`) }, node.url);
    slot.control?.start();
    this.network.serve(node, (req) => this.servePeer(slot, req));
  }

  /**
   * Records every purge or flush the edge applies (cumulative seq, for the convergence checker)
   * and every ring it installs, from the edge's control events (edge/control/edge-events.ts).
   */
  private observeControl(node: SimNode, edge: Edge): void {
    edge.control.events.subscribe((event) => {
      switch (event.type) {
        case 'purge-applied':
        case 'flushed':
          this.history.add({ type: 'purge-applied', t: this.scheduler.now(), node: node.id, seq: event.appliedSeq });
          return;
        case 'membership-installed':
          this.history.add({ type: 'members', t: this.scheduler.now(), node: node.id, members: event.members.map((m) => m.id).join(',') });
          return;
        default:
          return;
      }
    });
  }

  /**
   * Records which peers the edge skips as suspect and when an answer clears one (membership-origin
   * does not count a fetch the edge made while the peer it needed was suspect). Observations, kept
   * out of the trace hash (History.observe).
   */
  private observePeerHealth(node: SimNode, edge: Edge): void {
    edge.cluster?.health.onChange(({ peer, suspectForMs }) => {
      const t = this.scheduler.now();
      this.history.observe({ type: 'suspect', t, node: node.id, peer, untilMs: t + suspectForMs });
    });
  }

  private async startControlPlane(): Promise<void> {
    const node = this.cpNode!;
    const inc = node.incarnation;
    const log = await openMemoryPurgeLog({ newLogId: () => 'sim-log' }, this.cpStorage);
    if (!inc.alive) return;
    const config = controlPlaneConfigWithDefaults({
      leaseMs: this.scenario.controlPlane.leaseMs,
      leaseGraceMs: this.scenario.controlPlane.leaseGraceMs,
      heartbeatIntervalMs: this.scenario.controlPlane.heartbeatIntervalMs,
    });
    const cp = new ControlPlane({ clock: node.clock, timers: node.timers, log, logger: SILENT, config, credentials: new Credentials({ admin: [TOKEN], edge: [EDGE_TOKEN] }) });
    this.controlPlane = cp;
    this.network.serve(node, (req) =>
      serveControlPlaneWire(cp, req, {
        limits: { maxBodyBytes: config.limits.maxBodyBytes, maxReportBodyBytes: config.limits.maxReportBodyBytes },
        retryMs: 1_000,
        ...(this.breaks.has('purge-replay') ? { streamTarget: withoutReplayPosition } : {}),
        answered: (wire, answer) => this.noticePurgeAccepted(wire, answer),
      }),
    );
  }

  // ---------------------------------------------------------------------------------------
  // Servers

  private serveOrigin(req: WireRequest): WireResponse {
    const headers = requestHeadersOf(req.headers);
    const res = this.origin.handle({ method: req.method, target: req.target, headers, ...(req.body === undefined ? {} : { body: req.body }) });
    if (req.target.startsWith('/o/')) {
      const etag = res.headers.find(([n]) => n === 'etag')?.[1];
      const version = etag === undefined ? undefined : versionOfEtag(etag);
      const cc = res.headers.find(([n]) => n === 'cache-control')?.[1];
      const lifetimeMs = cc === undefined ? undefined : lifetimeOf(cc);
      this.history.add({
        type: 'origin',
        t: this.scheduler.now(),
        from: req.from,
        key: req.target,
        method: req.method,
        status: res.action === 'refuse' ? 0 : res.status,
        ...(version === undefined ? {} : { version }),
        conditional: headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined,
        ...(lifetimeMs === undefined ? {} : { lifetimeMs }),
      });
    }
    return {
      status: res.status,
      headers: res.headers,
      chunks: res.body.length > 0 ? [res.body] : [],
      delayMs: res.delayMs,
      ...(res.action === 'refuse' ? { refuse: true } : {}),
      ...(res.interim === undefined ? {} : { interim: res.interim }),
    };
  }

  /** An accepted purge enters the history with the version the purger published before it. */
  private noticePurgeAccepted(req: WireRequest, answer: ApiResponse): void {
    if (req.method !== 'POST' || req.target !== '/purges' || answer.status !== 202 || req.body === undefined) return;
    const accepted = answer.body as { id: string; seq: number };
    const purge = JSON.parse(Buffer.from(req.body).toString()) as { values: string[] };
    const version = Number(req.headers.find(([n]) => n === 'x-sim-version')?.[1] ?? 0);
    const key = purge.values[0]!.slice(ORIGIN_HOST.length);
    this.history.add({ type: 'purge-accepted', t: this.scheduler.now(), id: accepted.id, seq: accepted.seq, key, version });
  }

  /** A request from another edge (a peer fetch or a peer invalidation). */
  private servePeer(slot: EdgeSlot, wire: WireRequest): WireResponse | Promise<WireResponse> {
    // 1xx the edge forwards to the asking peer travel back with its answer, as over a socket.
    const interim: InformationalResponse[] = [];
    const req = edgeRequestFromWire(wire, interim);
    const arrivedMs = this.scheduler.now();
    const res = slot.edge.handle(req);
    const finish = async (r: EdgeResponse): Promise<WireResponse> => {
      const body = await collect(r.body);
      this.recordAnswer(slot, req, r, body, 'peer', wire.from, arrivedMs, 0);
      return wireResponseOf(r, body, interim);
    };
    return res instanceof Promise ? res.then(finish) : finish(res);
  }

  private recordAnswer(slot: EdgeSlot, req: EdgeRequest, r: EdgeResponse, body: Collected, role: 'client' | 'peer', from: string | undefined, arrivedMs: number, clientLatencyMs: number): void {
    let declared: number | undefined;
    for (let i = 0; i + 1 < r.headers.length; i += 2) if (r.headers[i] === 'content-length') declared = Number(r.headers[i + 1]);
    const coding = codingOf(r);
    const head = coding === undefined ? body.first : identityHead(coding, body);
    const version = head === undefined ? undefined : versionOfBody(head);
    const o = r.outcome;
    // Optional fields are written as undefined rather than spread in: the JSON line is the same
    // (JSON.stringify skips them) and one record shape is much cheaper to build.
    this.history.add({
      type: 'request',
      t: this.scheduler.now(),
      arrivedMs,
      node: slot.node.id,
      region: slot.node.region,
      role,
      from,
      key: req.target,
      method: req.method,
      status: r.status,
      kind: o.kind,
      detail: o.detail,
      version,
      bytes: body.bytes,
      declaredBytes: declared,
      truncated: body.truncated || (declared !== undefined && req.method === 'GET' && r.status !== 304 && body.bytes !== declared),
      latencyMs: this.scheduler.now() - arrivedMs + clientLatencyMs,
      coding,
    });
  }

  // ---------------------------------------------------------------------------------------
  // Workload

  private scheduleArrival(region: string, rate: number): void {
    this.scheduler.after(this.workloadRng.exponential(1000 / rate), () => {
      if (!this.workloadOn) return;
      this.clientRequest(region);
      this.scheduleArrival(region, rate);
    });
  }

  private clientRequest(region: string): void {
    const rng = this.workloadRng;
    const key = this.keyTargets[this.zipf.sample(rng)]!;
    const inRegion = this.clientTargets.get(region)!;
    if (inRegion.length === 0) return;
    const slot = inRegion[rng.int(inRegion.length)]!;
    const link = this.scenario.topology.links.intraRegion;
    const clientLatencyMs = 2 * (link.baseMs + (link.jitterMs > 0 ? rng.exponential(link.jitterMs) : 0));
    const arrivedMs = this.scheduler.now();
    if (!slot.node.up) {
      this.history.add({ type: 'request', t: arrivedMs, arrivedMs, node: slot.node.id, region, role: 'client', key, method: 'GET', status: 0, kind: 'refused', bytes: 0, truncated: false, latencyMs: clientLatencyMs });
      return;
    }
    // The workload's clients are many and anonymous: no client address (so no per-client miss
    // budget) and no 1xx channel.
    const req = edgeRequestOf('GET', key, requestHeadersOf(this.clientHeaders()), undefined, undefined, undefined);
    const inc = slot.node.incarnation;
    const res = slot.edge.handle(req);
    if (!(res instanceof Promise) && Buffer.isBuffer(res.body)) {
      this.recordAnswer(slot, req, res, { chunks: [res.body], first: res.body, bytes: res.body.length, truncated: false }, 'client', undefined, arrivedMs, clientLatencyMs);
      return;
    }
    this.scheduler.requestDrain();
    const pending = { done: false, key, arrivedMs };
    slot.inFlight.add(pending);
    void Promise.resolve(res)
      .then(async (r) => {
        const body = await collect(r.body);
        if (!inc.alive || pending.done) return;
        pending.done = true;
        slot.inFlight.delete(pending);
        if (slot.inFlight.size === 0) for (const resolve of slot.drainedWaiters.splice(0)) resolve();
        this.recordAnswer(slot, req, r, body, 'client', undefined, arrivedMs, clientLatencyMs);
      })
      .catch((err: unknown) => this.scheduler.fail(err));
  }

  private regionEdges(region: string): EdgeSlot[] {
    return this.edges.filter((e) => e.node.region === region);
  }

  private scheduleVersionChange(): void {
    this.scheduler.after(this.workloadRng.exponential(1000 / this.scenario.workload.versionChangesPerSecond), () => {
      if (!this.workloadOn) return;
      const key = this.keyTargets[this.zipf.sample(this.workloadRng)]!;
      this.bumpVersion(key);
      this.scheduleVersionChange();
    });
  }

  private bumpVersion(key: string): number {
    const path = key.split('?')[0]!;
    const res = this.origin.handle({ method: 'POST', target: `/_admin/version?path=${encodeURIComponent(path)}`, headers: { authorization: `Bearer ${TOKEN}` } });
    return (JSON.parse(Buffer.from(res.body).toString()) as { version: number }).version;
  }

  // ---------------------------------------------------------------------------------------
  // Purger: publish a new version, purge the URL, poll the receipt until complete.

  private schedulePurge(): void {
    const p = this.scenario.workload.purger;
    this.scheduler.after(this.workloadRng.exponential(1000 / p.purgesPerSecond), () => {
      if (!this.workloadOn || (p.stopMs !== undefined && this.scheduler.now() > p.stopMs)) return;
      const key = this.keyTargets[this.zipf.sample(this.workloadRng)]!;
      const version = this.bumpVersion(key);
      // Drawn only when soft purges are on, so scenarios without them keep their traces.
      const soft = p.softShare > 0 && this.workloadRng.chance(p.softShare);
      void this.purge(key, version, soft);
      this.schedulePurge();
      // Async: the purge's request goes out in a continuation, which must run now, at this
      // event's time (it used to wait for the next async event's drain and left at that time).
    }, { owner: this.purgerNode.incarnation, async: true });
  }

  private async purge(key: string, version: number, soft: boolean): Promise<void> {
    const transport = this.network.transportFor(this.purgerNode);
    const cpUrl = this.cpNode!.url;
    const headers: HeaderList = [['authorization', `Bearer ${TOKEN}`], ['content-type', 'application/json'], ['x-sim-version', String(version)]];
    const timeouts = { connectMs: 1_000, headersMs: 5_000, bodyIdleMs: 5_000 };
    const wait = (ms: number) => new Promise<void>((resolve) => this.purgerNode.timers.after(ms, resolve));
    let accepted: { id: string; seq: number } | undefined;
    while (accepted === undefined) {
      try {
        const res = await transport.request({ origin: cpUrl, method: 'POST', target: '/purges', headers, body: Buffer.from(JSON.stringify({ kind: 'url', values: [`${ORIGIN_HOST}${key}`], ...(soft ? { soft } : {}) })), timeouts });
        const body = await collect(res.body);
        if (res.status === 202) accepted = JSON.parse(Buffer.concat(body.chunks).toString()) as { id: string; seq: number };
        else await wait(1_000);
      } catch {
        await wait(1_000);
      }
    }
    for (;;) {
      await wait(this.scenario.workload.purger.receiptPollMs);
      try {
        const res = await transport.request({ origin: cpUrl, method: 'GET', target: `/purges/${accepted.id}`, headers, timeouts });
        const body = await collect(res.body);
        if (res.status === 410) return;
        if (res.status !== 200) continue;
        const receipt = JSON.parse(Buffer.concat(body.chunks).toString()) as { state: string };
        if (receipt.state !== 'pending') {
          this.history.add({ type: 'purge-complete', t: this.scheduler.now(), id: accepted.id, seq: accepted.seq, key, version, ...(soft ? { soft: true as const } : {}) });
          return;
        }
      } catch {
        // Control plane unreachable: keep polling.
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Faults

  /** Node ids a selector names. */
  select(selectors: readonly string[]): SimNode[] {
    const out = new Set<SimNode>();
    for (const sel of selectors) {
      if (sel === 'edges') this.edges.forEach((e) => out.add(e.node));
      else if (sel === 'odd-edges') this.edges.forEach((e) => e.index % 2 === 1 && out.add(e.node));
      else if (sel === 'even-edges') this.edges.forEach((e) => e.index % 2 === 0 && out.add(e.node));
      else if (sel === 'origin') out.add(this.originNode);
      else if (sel === 'control-plane') this.cpNode !== undefined && out.add(this.cpNode);
      else if (sel === 'purger') out.add(this.purgerNode);
      else if (sel.startsWith('region:')) this.regionEdges(sel.slice(7)).forEach((e) => out.add(e.node));
      else if (sel.startsWith('node:')) {
        const id = sel.slice(5);
        const node = this.allNodes().find((n) => n.id === id);
        if (node === undefined) throw new Error(`fault selector ${sel}: no such node`);
        out.add(node);
      }
    }
    return [...out];
  }

  allNodes(): SimNode[] {
    return [this.originNode, this.purgerNode, ...(this.cpNode === undefined ? [] : [this.cpNode]), ...this.edges.map((e) => e.node)];
  }

  applyFault(f: Fault): void {
    const t = this.scheduler.now();
    const note = (detail: string): void => this.history.add({ type: 'fault', t, kind: f.kind, detail });
    switch (f.kind) {
      case 'partition': {
        const from = this.select(f.from);
        const to = f.to === undefined ? this.allNodes().filter((n) => !from.includes(n)) : this.select(f.to);
        this.network.partition({ id: f.id, from: new Set(from.map((n) => n.id)), to: new Set(to.map((n) => n.id)), oneWay: f.oneWay ?? false });
        note(`${f.id}: ${from.map((n) => n.id).join(',')} ${f.oneWay === true ? '->' : '<->'} ${to.length} nodes`);
        return;
      }
      case 'heal':
        this.network.heal(f.id);
        note(f.id ?? 'all');
        return;
      case 'crash':
        for (const node of this.select(f.nodes)) this.crash(node);
        note(f.nodes.join(','));
        return;
      case 'restart':
        for (const node of this.select(f.nodes)) {
          if (f.graceful === true) void this.leave(node, true).catch((err: unknown) => this.scheduler.fail(err));
          else this.restart(node);
        }
        note(`${f.nodes.join(',')}${f.graceful === true ? ' graceful' : ''}`);
        return;
      case 'join':
        for (const node of this.select(f.nodes)) this.join(node);
        note(f.nodes.join(','));
        return;
      case 'leave':
        for (const node of this.select(f.nodes)) void this.leave(node, false).catch((err: unknown) => this.scheduler.fail(err));
        note(f.nodes.join(','));
        return;
      case 'clock-jump':
        for (const node of this.select(f.nodes)) node.clock.jump(f.deltaMs);
        note(`${f.nodes.join(',')} ${f.deltaMs} ms`);
        return;
      case 'clock-drift':
        for (const node of this.select(f.nodes)) node.clock.setDriftPpm(f.ppm);
        note(`${f.nodes.join(',')} ${f.ppm} ppm`);
        return;
      case 'origin-outage':
        this.setOriginFailure(f.mode);
        note(f.mode);
        return;
      case 'origin-recover':
        this.setOriginFailure('ok');
        note('ok');
        return;
      case 'disk':
        this.cpStorage.setMode(f.mode, f.delayMs);
        note(`${f.mode}${f.mode === 'slow' || f.mode === 'torn' ? ` ${f.delayMs} ms` : ''}`);
        return;
      default:
        throw new Error(`unknown fault ${JSON.stringify(f satisfies never)}`);
    }
  }

  private setOriginFailure(mode: string): void {
    this.origin.handle({ method: 'POST', target: '/_admin/failure', headers: { authorization: `Bearer ${TOKEN}` }, body: Buffer.from(JSON.stringify({ mode })) });
  }

  crash(node: SimNode): void {
    if (!node.up) return;
    if (node.kind === 'origin') throw new Error('the origin does not crash; use origin-outage');
    node.crash();
    this.network.nodeCrashed(node);
    if (node.kind === 'control-plane') {
      this.controlPlane = undefined;
      this.cpStorage.crashed();
    }
    const slot = this.edges.find((e) => e.node === node);
    if (slot !== undefined) {
      for (const p of slot.inFlight) {
        p.done = true;
        this.history.add({ type: 'request', t: this.scheduler.now(), arrivedMs: p.arrivedMs, node: node.id, region: node.region, role: 'client', key: p.key, method: 'GET', status: 0, kind: 'reset', bytes: 0, truncated: false, latencyMs: this.scheduler.now() - p.arrivedMs });
      }
      slot.inFlight.clear();
    }
  }

  private slotOf(node: SimNode): EdgeSlot {
    const slot = this.edges.find((e) => e.node === node);
    if (slot === undefined) throw new Error(`${node.id} is not an edge`);
    return slot;
  }

  private membershipChange(slot: EdgeSlot, change: 'join' | 'leave', apply: () => void): void {
    const region = slot.node.region;
    // A draining edge is still a member until it exits, but no longer in the ring.
    const ids = (): string => this.regionEdges(region).filter((e) => e.member && !e.draining).map((e) => e.node.id).join(',');
    const before = ids();
    apply();
    this.updateClientTargets(region);
    this.history.add({ type: 'membership', t: this.scheduler.now(), region, node: slot.node.id, change, before, after: ids() });
  }

  /** A standby (or left) edge starts empty and joins its region's ring. */
  join(node: SimNode): void {
    const slot = this.slotOf(node);
    if (slot.member) return;
    this.membershipChange(slot, 'join', () => (slot.member = true));
    node.restart();
    this.startEdge(slot);
    this.scheduler.requestDrain();
  }

  /**
   * Graceful leave as cdn-edge does it on SIGTERM (edge/leave.ts): clients stop sending to it at
   * once (the load balancer's part), it leaves the control plane's ring, pushes its keys to their
   * new owners and finishes in-flight requests; then it exits (and with `rejoin`, starts again
   * empty and joins, a rolling-restart step). Peers still reach it until it exits, like the
   * keep-alive connections they hold to it.
   */
  async leave(node: SimNode, rejoin: boolean): Promise<void> {
    const slot = this.slotOf(node);
    if (!slot.member || slot.draining || !node.up) return;
    const inc = node.incarnation;
    this.membershipChange(slot, 'leave', () => (slot.draining = true));
    const report = await leaveGracefully({
      edge: slot.edge,
      control: slot.control,
      clock: node.clock,
      timers: node.timers,
      graceMs: slot.edge.options.cluster === undefined ? 0 : 10_000,
      stopAccepting: () => undefined,
      inFlightDone: () => (slot.inFlight.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => slot.drainedWaiters.push(resolve))),
    });
    if (!inc.alive) return;
    const h = report.handover;
    this.history.add({ type: 'left', t: this.scheduler.now(), node: node.id, pushed: h.pushed, refused: h.refused, skipped: h.skipped, bytes: h.bytes, drained: report.drained, removedFromRing: report.removedFromRing });
    slot.member = false;
    slot.draining = false;
    this.crash(node);
    if (rejoin) this.join(node);
  }

  /** Restarts a crashed (or running) node from its durable state: edges come back with empty caches. */
  restart(node: SimNode): void {
    if (node.up && node.kind !== 'origin') this.crash(node);
    node.restart();
    if (node.kind === 'control-plane') {
      this.controlPlane = undefined;
      void this.startControlPlane().catch((err: unknown) => this.scheduler.fail(err));
      this.scheduler.requestDrain();
      return;
    }
    const slot = this.edges.find((e) => e.node === node);
    if (slot !== undefined) this.startEdge(slot);
  }

  /** End of the workload: faults stop. Partitions heal, the origin recovers, crashed nodes restart. */
  private settle(): void {
    this.workloadOn = false;
    this.network.heal();
    this.setOriginFailure('ok');
    this.cpStorage.setMode('ok');
    for (const node of this.allNodes()) {
      node.clock.setDriftPpm(0);
      // Standby edges that never joined and edges that left stay gone.
      const slot = this.edges.find((e) => e.node === node);
      if (!node.up && (slot === undefined || slot.member)) this.restart(node);
    }
    this.history.add({ type: 'fault', t: this.scheduler.now(), kind: 'settle', detail: 'faults stop: heal, origin ok, restart crashed nodes' });
  }

  private scheduleSamples(): void {
    const every = this.options.sampleEveryMs ?? 1_000;
    this.scheduler.after(every, () => {
      for (const slot of this.edges) {
        if (slot.edge === undefined) continue;
        const bytes = slot.edge.store.stats().bytes + (slot.edge.hotStore?.stats().bytes ?? 0);
        this.history.add({ type: 'sample', t: this.scheduler.now(), node: slot.node.id, storeBytes: bytes, maxBytes: slot.maxBytes, up: slot.node.up });
      }
      this.scheduleSamples();
    });
  }

  /** Chance draws for swarm fault mixes use this stream. */
  get faultRandom(): Rng {
    return this.faultRng;
  }
}

/** Breaking purge replay: every reconnect looks like a fresh edge, so the purges it missed are skipped. */
function withoutReplayPosition(target: string): string {
  const url = new URL(target, 'http://x');
  url.searchParams.delete('after');
  url.searchParams.delete('log');
  return `${url.pathname}${url.search}`;
}

const VERSION_MARK = Buffer.from(' version=');
/** The headline (origin/body.ts) is at the start of the body: look no further than this. */
const VERSION_SEARCH_BYTES = 256;

/** The origin's body headline is `path=<p> version=<n>\n`. */
function versionOfBody(first: Uint8Array): number | undefined {
  // Read in place: a view (subarray) per answer was a buffer allocation on every recorded request.
  if (first.length < 8 || first[0] !== 0x70 /* p */) return undefined;
  const at = indexOfMark(first, Math.min(first.length, VERSION_SEARCH_BYTES));
  if (at === -1) return undefined;
  let n = 0;
  let i = at + VERSION_MARK.length;
  for (; i < first.length && first[i]! >= 0x30 && first[i]! <= 0x39; i++) n = n * 10 + (first[i]! - 0x30);
  return i === at + VERSION_MARK.length ? undefined : n;
}

/** The first VERSION_MARK lying wholly inside `bytes[0, end)`, or -1. */
function indexOfMark(bytes: Uint8Array, end: number): number {
  const last = end - VERSION_MARK.length;
  outer: for (let at = 0; at <= last; at++) {
    for (let j = 0; j < VERSION_MARK.length; j++) if (bytes[at + j] !== VERSION_MARK[j]) continue outer;
    return at;
  }
  return -1;
}

function versionOfEtag(etag: string): number | undefined {
  const m = /^(?:W\/)?"v(\d+)-/.exec(etag);
  return m === null ? undefined : Number(m[1]);
}

/** Shared-cache lifetime from Cache-Control: s-maxage, else max-age (RFC 9111 §4.2.1). */
function lifetimeOf(cc: string): number | undefined {
  const s = /(?:^|,)\s*s-maxage=(\d+)/i.exec(cc);
  if (s !== null) return Number(s[1]) * 1000;
  const m = /(?:^|,)\s*max-age=(\d+)/i.exec(cc);
  return m === null ? undefined : Number(m[1]) * 1000;
}
