/**
 * The control plane's core: the admin API as a function from a plain request to a plain answer,
 * stream opening over any StreamSink, and the periodic health check. Time comes from the Clock,
 * delays from Timers, storage from the PurgeLog; the node:http adapter and the simulator both
 * drive this same object.
 *
 * Endpoints (all need `Authorization: Bearer <token>`):
 *   POST /purges          PurgeRequest  -> 202 { id, seq }   (after the record is durable)
 *   GET  /purges/:id                    -> 200 Receipt | 404 | 410 (older than the retained log)
 *   GET  /stream?edge=&after=&log=&region=&url=  -> Server-Sent Events (see streams.ts)
 *   POST /heartbeats      Heartbeat     -> 200 ReportAnswer
 *   POST /acks            EdgeAck       -> 200 ReportAnswer
 *   GET  /edges                         -> 200 { lastSeq, edges: EdgeView[] }
 *   GET  /regions                       -> 200 { regions: RegionView[] }
 */
import { requestHeader, type HeaderList, type RequestHeaders } from '../common/http.js';
import type { Clock, Logger, TimerHandle, Timers } from '../common/ports.js';
import {
  checkBody,
  checkPurgeRequest,
  EdgeAckSchema,
  HeartbeatSchema,
  seqOfPurgeId,
  type Member,
  type PurgeAccepted,
  type ReportAnswer,
} from '../common/control-protocol.js';
import type { ControlPlaneConfig } from './config.js';
import { EdgeRegistry } from './edges.js';
import { PurgeLogError, type PurgeLog } from './purge-log.js';
import { StreamHub, type StreamSession, type StreamSink } from './streams.js';

export interface ApiRequest {
  method: string;
  /** Path and query as on the request line. */
  target: string;
  headers: RequestHeaders;
  /** Undefined when there was no body. */
  body?: Uint8Array | undefined;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: HeaderList;
}

export type StreamOpenResult = { kind: 'stream'; session: StreamSession } | { kind: 'answer'; response: ApiResponse };

export interface ControlPlaneDeps {
  clock: Clock;
  timers: Timers;
  log: PurgeLog;
  logger: Logger;
  config: ControlPlaneConfig;
  /** The bearer token (config.token, or the one main generated). */
  token: string;
}

const BASE = 'http://control-plane.invalid';
const EDGE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export class ControlPlane {
  readonly registry: EdgeRegistry;
  readonly hub: StreamHub;
  private readonly startedAtMs: number;
  private healthTimer: TimerHandle | undefined;
  private lastMembership = '';
  private closed = false;

  constructor(private readonly deps: ControlPlaneDeps) {
    const { config } = deps;
    this.registry = new EdgeRegistry({
      leaseMs: config.leaseMs,
      leaseGraceMs: config.leaseGraceMs,
      health: config.health,
      forgetAfterMs: config.forgetEdgeAfterMs,
      maxEdges: config.limits.maxEdges,
      historyLimit: config.limits.historyPerEdge,
    });
    this.hub = new StreamHub(
      deps.log,
      this.registry,
      deps.clock,
      deps.timers,
      { leaseMs: config.leaseMs, heartbeatIntervalMs: config.heartbeatIntervalMs, maxStreams: config.limits.maxStreams, readBatch: 256 },
      deps.logger,
    );
    this.startedAtMs = deps.clock.wallMs();
    this.scheduleHealthCheck();
  }

  /** Every endpoint except the stream. Never throws for bad input; a throw is a bug. */
  async handle(req: ApiRequest): Promise<ApiResponse> {
    if (!this.authorized(req.headers)) return unauthorized();
    const url = new URL(req.target, BASE);
    const path = url.pathname;
    if (path === '/purges') return req.method === 'POST' ? this.postPurge(req.body) : notAllowed('POST');
    if (path.startsWith('/purges/')) return req.method === 'GET' ? this.getReceipt(decodeURIComponent(path.slice('/purges/'.length))) : notAllowed('GET');
    if (path === '/heartbeats') return req.method === 'POST' ? this.postHeartbeat(req.body) : notAllowed('POST');
    if (path === '/acks') return req.method === 'POST' ? this.postAck(req.body) : notAllowed('POST');
    if (path === '/edges') return req.method === 'GET' ? this.getEdges() : notAllowed('GET');
    if (path === '/regions') return req.method === 'GET' ? this.getRegions() : notAllowed('GET');
    if (path === '/stream') return error(400, 'stream: open /stream through the streaming transport');
    return error(404, `no endpoint ${req.method} ${path}; see POST /purges, GET /purges/:id, GET /stream, POST /heartbeats, POST /acks, GET /edges, GET /regions`);
  }

  /** `GET /stream?edge=<id>&after=<seq>&log=<logId>[&region=&url=]`. */
  openStream(req: ApiRequest, sink: StreamSink): StreamOpenResult {
    const answer = (response: ApiResponse): StreamOpenResult => ({ kind: 'answer', response });
    if (!this.authorized(req.headers)) return answer(unauthorized());
    if (req.method !== 'GET') return answer(notAllowed('GET'));
    if (this.closed) return answer(error(503, 'control plane is shutting down; reconnect shortly'));
    const params = new URL(req.target, BASE).searchParams;
    const edge = params.get('edge');
    if (edge === null || !EDGE_ID.test(edge)) return answer(error(400, 'edge: required, a name of letters, digits, dot, dash or underscore'));
    // Last-Event-ID is what a browser-style EventSource sends on reconnect; `after` wins.
    const afterText = params.get('after') ?? requestHeader(req.headers, 'last-event-id');
    let after: number | undefined;
    if (afterText !== undefined && afterText !== null && afterText !== '') {
      if (!/^(0|[1-9][0-9]{0,15})$/.test(afterText)) return answer(error(400, `after: must be a non-negative integer seq, got ${JSON.stringify(afterText)}`));
      after = Number(afterText);
    }
    const logId = params.get('log') ?? undefined;
    const region = params.get('region') ?? undefined;
    const edgeUrl = params.get('url') ?? undefined;
    if (region !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(region)) return answer(error(400, 'region: must be a name of letters, digits, dot, dash or underscore'));
    if (edgeUrl !== undefined && !/^https?:\/\/[^/?#\s]+$/.test(edgeUrl)) return answer(error(400, 'url: must be the edge\'s base URL without a path'));
    const hints = { ...(region === undefined ? {} : { region }), ...(edgeUrl === undefined ? {} : { url: edgeUrl }) };
    const opened = this.hub.open({ edge, after, logId }, hints, sink, () => this.membership(this.deps.clock.wallMs()));
    if (!opened.ok) return answer(error(opened.status, opened.message, [['retry-after', '5']]));
    return { kind: 'stream', session: opened.session };
  }

  /** Stops timers and ends every stream; the caller closes the log after in-flight appends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.healthTimer?.cancel();
    this.hub.closeAll();
  }

  /** Re-derives health, forgets silent edges and pushes membership when it changed. */
  checkHealth(): void {
    const nowMs = this.deps.clock.wallMs();
    this.registry.forgetStale(nowMs);
    this.announceIfChanged(nowMs);
  }

  private async postPurge(body: Uint8Array | undefined): Promise<ApiResponse> {
    const parsed = parseJson(body);
    if (!parsed.ok) return error(400, parsed.message, undefined, 'body');
    const checked = checkPurgeRequest(parsed.value, this.deps.config.limits.maxValuesPerPurge);
    if (!checked.ok) return error(400, checked.message, undefined, checked.field);
    try {
      const record = await this.deps.log.append(checked.value, this.deps.clock.wallMs());
      const accepted: PurgeAccepted = { id: record.id, seq: record.seq };
      return { status: 202, body: accepted, headers: [['location', `/purges/${record.id}`]] };
    } catch (err) {
      if (!(err instanceof PurgeLogError)) throw err;
      this.deps.logger.log(err.code === 'overloaded' ? 'warn' : 'error', 'purge not accepted', { code: err.code, error: err.message });
      return error(err.code === 'overloaded' ? 503 : 500, err.message, err.code === 'overloaded' ? [['retry-after', '1']] : undefined);
    }
  }

  private getReceipt(id: string): ApiResponse {
    const seq = seqOfPurgeId(id);
    const log = this.deps.log;
    if (seq === undefined || seq > log.lastSeq()) return error(404, `no purge ${JSON.stringify(id)}`);
    const record = log.get(seq);
    if (record === undefined) return error(410, `purge ${id} is older than the retained log (oldest seq ${log.oldestRetainedSeq()}); its receipt is gone`);
    if (record.id !== id) return error(404, `no purge ${JSON.stringify(id)} (seq ${seq} is ${record.id})`);
    const nowMs = this.deps.clock.wallMs();
    const { leaseMs, leaseGraceMs } = this.deps.config;
    // A fresh log had no earlier process that could have leased anyone.
    const uncertainUntilMs = this.deps.log.resumed() ? this.startedAtMs + leaseMs + leaseGraceMs : 0;
    return { status: 200, body: this.registry.receipt(record, nowMs, uncertainUntilMs) };
  }

  private postHeartbeat(body: Uint8Array | undefined): ApiResponse {
    const parsed = parseJson(body);
    if (!parsed.ok) return error(400, parsed.message, undefined, 'body');
    const checked = checkBody(HeartbeatSchema, parsed.value);
    if (!checked.ok) return error(400, checked.message, undefined, checked.field);
    const hb = checked.value;
    const nowMs = this.deps.clock.wallMs();
    const isNew = !this.registry.has(hb.edge);
    const lastSeq = this.deps.log.lastSeq();
    const result = this.registry.heartbeat(
      { edge: hb.edge, region: hb.region, url: hb.url, weight: hb.weight ?? 1, appliedSeq: hb.appliedSeq, requestsPerSec: hb.load.requestsPerSec, errorRate: hb.load.errorRate, leaving: hb.leaving === true },
      lastSeq,
      nowMs,
    );
    if (!result.ok) return error(result.status, result.message, undefined, result.status === 409 ? 'appliedSeq' : undefined);
    // Health changes with heartbeats too; a new member, or one leaving, should not wait for the next check.
    if (isNew || hb.leaving === true) this.announceIfChanged(nowMs);
    const answer: ReportAnswer = { edge: hb.edge, appliedSeq: result.appliedSeq, lastSeq };
    return { status: 200, body: answer };
  }

  private postAck(body: Uint8Array | undefined): ApiResponse {
    const parsed = parseJson(body);
    if (!parsed.ok) return error(400, parsed.message, undefined, 'body');
    const checked = checkBody(EdgeAckSchema, parsed.value);
    if (!checked.ok) return error(400, checked.message, undefined, checked.field);
    const lastSeq = this.deps.log.lastSeq();
    const result = this.registry.ack(checked.value.edge, checked.value.appliedSeq, lastSeq, this.deps.clock.wallMs());
    if (!result.ok) return error(result.status, result.message, undefined, result.status === 409 ? 'appliedSeq' : undefined);
    const answer: ReportAnswer = { edge: checked.value.edge, appliedSeq: result.appliedSeq, lastSeq };
    return { status: 200, body: answer };
  }

  private getEdges(): ApiResponse {
    const lastSeq = this.deps.log.lastSeq();
    return { status: 200, body: { lastSeq, edges: this.registry.views(lastSeq, this.deps.clock.wallMs()) } };
  }

  private getRegions(): ApiResponse {
    return { status: 200, body: { regions: this.registry.regions(this.deps.clock.wallMs()) } };
  }

  /**
   * The membership to push, or undefined while this process is too young to know it: edges are
   * down until they heartbeat, so a membership sent in the first seconds would shrink every ring
   * to its own member. Until then edges keep the ring they were configured with.
   */
  private membership(nowMs: number): Member[] | undefined {
    if (nowMs < this.startedAtMs + this.deps.config.health.membershipAfterMs) return undefined;
    return this.registry.members(nowMs);
  }

  private announceIfChanged(nowMs: number): void {
    const members = this.membership(nowMs);
    if (members === undefined) return;
    const text = JSON.stringify(members);
    if (text === this.lastMembership) return;
    this.lastMembership = text;
    this.hub.announce(members);
  }

  private scheduleHealthCheck(): void {
    this.healthTimer = this.deps.timers.after(this.deps.config.health.checkIntervalMs, () => {
      if (this.closed) return;
      this.checkHealth();
      this.scheduleHealthCheck();
    });
  }

  private authorized(headers: RequestHeaders): boolean {
    return constantTimeEqual(requestHeader(headers, 'authorization') ?? '', `Bearer ${this.deps.token}`);
  }
}

/** Compares without an early exit, so response time says nothing about how much of a guess matched. */
function constantTimeEqual(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= (given.charCodeAt(i) | 0) ^ expected.charCodeAt(i);
  return diff === 0;
}

function parseJson(body: Uint8Array | undefined): { ok: true; value: unknown } | { ok: false; message: string } {
  const text = body === undefined ? '' : new TextDecoder().decode(body);
  if (text.trim() === '') return { ok: false, message: 'body: expected a JSON object, got an empty body' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: `body: not valid JSON: ${(err as Error).message}` };
  }
}

function error(status: number, message: string, headers?: HeaderList, field?: string): ApiResponse {
  return { status, body: field === undefined ? { error: message } : { error: message, field }, ...(headers === undefined ? {} : { headers }) };
}

function unauthorized(): ApiResponse {
  return error(401, 'missing or wrong bearer token: send Authorization: Bearer <token>', [['www-authenticate', 'Bearer']]);
}

function notAllowed(allow: string): ApiResponse {
  return error(405, `method not allowed; use ${allow}`, [['allow', allow]]);
}
