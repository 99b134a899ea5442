/**
 * The edge's request pipeline: `handle(req)` decides hit, stale or miss from the store and the
 * policy functions, collapses concurrent fetches per key, fills from the origin through the
 * Transport port and stores what RFC 9111 allows. It touches no sockets, timers or real clock:
 * the binary and the simulator hand those in. What the control plane, the admin port and peers
 * do to the edge besides asking for content (purges, flushes, the lease, membership, handoff
 * answers, leaving) is the control surface, `edge.control` (edge/control/edge-control.ts).
 */
import { mark } from '../../common/coverage-marks.js';
import { headerValue, requestHeader, type HeaderList } from '../../common/http.js';
import { hasConditional } from '../../common/http-semantics/conditional.js';
import { TransportError } from '../../common/ports.js';
import type { PurgeLedger } from '../store/purge-ledger.js';
import { EdgeControl } from '../control/edge-control.js';
import { Interner } from '../store/intern.js';
import { parseCacheControl, type Directives } from '../policy/cache-control.js';
import { formatCacheStatus, type ForwardReason } from '../policy/cache-status.js';
import { relayInformational } from '../policy/informational.js';
import { invalidationTargets } from '../policy/invalidation.js';
import type { RequestValidation } from '../policy/request-directives.js';
import {
  isFresh,
  maxStaleAllows,
  requestDemand,
  staleFallbackTrusted,
  staleIfErrorAllows,
  softPurged,
  staleWhileRevalidateAllows,
} from '../policy/reuse.js';
import { conditionalRequestHeaders, mergeNotModified, notModifiedSelects } from '../policy/revalidation.js';
import { varyMatches } from '../policy/vary.js';
import { Cluster } from '../routing/cluster.js';
import { CONTENT_DIGEST_HEADER, HANDOFF_HEADER, PEER_HEADER, PURGE_SEQ_HEADER, PUSH_HEADER, STALE_ANSWER_HEADER, SURROGATE_KEYS_HEADER, staleAnswerOf, type StaleAnswer } from '../routing/peer-fields.js';
import { surrogateKeysAfterNotModified } from '../policy/surrogate-keys.js';
import { bodyDigestMatches } from '../routing/peer-auth.js';
import { LruResponseStore, type Lookup, type ResponseStore } from '../store/response-store.js';
import { headerPairs, storedValidators, type StoredResponse } from '../store/stored-response.js';
import { admitRequest, Refusal, refusalResponse } from './admit-request.js';
import { buildStoredResponse, planStorage, type StorageOptions, type StoragePlan, type StoredRules, type UpstreamExchange } from './build-stored.js';
import { AcceptEncodingNormalizer } from './accept-encoding-normalizer.js';
import { CollapseLocks, type WriterPermit } from './collapse.js';
import { EdgeCompression, variantFor } from './compressed-variants.js';
import type { EdgeOptions } from './edge-options.js';
import { decodePush, maxPushBodyBytes, PUSH_NOT_OWNER_STATUS } from './handover.js';
import { HitAnswers } from './hit-answers.js';
import { EdgeMetrics } from './metrics.js';
import { carriesInternalFields, PeerGate } from './peer-gate.js';
import { ClientMissBudget } from './client-budget.js';
import { OriginGate, OriginQueueFull } from './origin-gate.js';
import { ANSWERED_LOCALLY, outboundHeaders } from './origin-request.js';
import { readBounded } from './read-bounded.js';
import { errorResponse, forwardedHeaders, streamThrough, type Identity } from './responses.js';
import { serveStored } from './serve-stored.js';
import type { EdgeRequest, EdgeResponse, Outcome } from './types.js';
import { answerSurrogateKeys, asTransportError, Upstream, type UpstreamSource } from './upstream.js';

export type { ClusterSettings, EdgeOptions } from './edge-options.js';

/** What was true when a fetch (or a wait for one) began, for judging a stale fallback. */
interface FetchStart {
  key: string;
  seq: number;
  leased: boolean;
}

type Failure =
  | { kind: 'transport'; error: TransportError }
  | { kind: 'status'; status: number }
  /** The peer asked could only answer from its stale copy (STALE_ANSWER_HEADER): no fresh answer upstream. */
  | { kind: 'peer-stale' };

export class Edge {
  readonly store: ResponseStore;
  /** Copies of hot keys other edges own (groupcache's hot cache); absent without a cluster. */
  readonly hotStore: ResponseStore | undefined;
  readonly cluster: Cluster | undefined;
  private readonly originAuthority: string;
  readonly metrics = new EdgeMetrics();
  /** The options this edge was built with, so a variant can be built from them. */
  readonly options: EdgeOptions;
  private readonly locks: CollapseLocks;
  private readonly storage: StorageOptions;
  private readonly via: string;
  private readonly identity: Identity;
  private readonly upstream: Upstream;
  private readonly background = new Set<Promise<void>>();
  private readonly hitAnswers: HitAnswers;
  private readonly peerGate: PeerGate;
  /** Bounds origin connections and their wait queue; absent without originProtection. */
  readonly originGate: OriginGate | undefined;
  /** Origin-bound misses per client address; absent when off. */
  readonly clientBudget: ClientMissBudget | undefined;
  /** The control surface: purges, flushes, the lease, membership, handoff answers, leaving (edge-control.ts). */
  readonly control: EdgeControl;
  /** The control surface's purge ledger, read for the purge/fill race and lagging peers. */
  private readonly purges: PurgeLedger;
  private readonly encodings = new AcceptEncodingNormalizer();
  /** The edge's own gzip/br variants (--compress); absent when off. */
  readonly compression: EdgeCompression | undefined;

  constructor(private readonly o: EdgeOptions) {
    this.options = o;
    const hotBytes = o.cluster === undefined ? 0 : Math.floor(o.maxBytes * o.cluster.hotCacheFraction);
    this.store = new LruResponseStore({ maxBytes: o.maxBytes - hotBytes, maxObjectBytes: o.maxObjectBytes });
    this.hotStore = hotBytes > 0 ? new LruResponseStore({ maxBytes: hotBytes, maxObjectBytes: o.maxObjectBytes }) : undefined;
    this.cluster =
      o.cluster === undefined
        ? undefined
        : new Cluster({
            selfId: o.cluster.selfId,
            members: o.cluster.members,
            clock: o.clock,
            peerSuspectMs: o.cluster.peerSuspectMs,
            peerMaxSuspectMs: o.cluster.peerMaxSuspectMs,
            hotKeyRequestsPerSecond: o.cluster.hotKeyRequestsPerSecond,
            handoffMs: o.cluster.handoffMs,
          });
    this.originAuthority = new URL(o.originUrl).host;
    this.locks = new CollapseLocks(o.timers, o.collapseWaitMs);
    this.via = `1.1 ${o.cacheName}`;
    this.identity = { cacheName: o.cacheName, via: this.via };
    const p = o.originProtection;
    this.originGate = p === undefined ? undefined : new OriginGate({ maxConnections: p.maxConnections, maxQueued: p.maxQueued });
    this.clientBudget =
      p === undefined || p.clientMissesPerSecond <= 0
        ? undefined
        : new ClientMissBudget({ perSecond: p.clientMissesPerSecond, burst: p.clientMissBurst, maxClients: p.maxTrackedClients });
    const interner = new Interner();
    this.compression = o.compression === undefined || o.compression.codings.length === 0 ? undefined : new EdgeCompression(o.compression, interner);
    this.control = new EdgeControl({
      store: this.store,
      hotStore: this.hotStore,
      cluster: this.cluster,
      metrics: this.metrics,
      clock: o.clock,
      timers: o.timers,
      logger: o.logger,
      keyHost: o.keyHost,
      identity: this.identity,
      leaseRequired: o.lease !== undefined,
      push: (owner, target, headers, body) => this.upstream.push(owner, target, headers, body),
    });
    this.purges = this.control.purges;
    this.upstream = new Upstream(o, this.cluster, this.metrics, this.purges, this.originGate, this.compression);
    this.peerGate = new PeerGate(o.cluster?.peerAuth, o.keyHost, o.clock, this.metrics);
    this.hitAnswers = new HitAnswers(`${formatCacheStatus(o.cacheName, { hit: true })}; ttl=`);
    this.storage = {
      setCookie: o.setCookie,
      heuristic: o.heuristic,
      staleIfErrorDefaultSeconds: o.staleIfErrorDefaultSeconds,
      via: this.via,
      interner,
    };
  }

  /** Requests forwarded because the client's own directives demanded validation, and which one (for Cache-Status). */
  private readonly validationDemanded = new WeakMap<EdgeRequest, RequestValidation>();
  /** Requests that carried the peer marker and could not prove it: answered by this edge alone (Admitted.refusedPeer). */
  private readonly refusedPeerRequests = new WeakSet<EdgeRequest>();

  /** Synchronous for hits, so the hot path allocates no promise. */
  handle(received: EdgeRequest): EdgeResponse | Promise<EdgeResponse> {
    let fromPeer = false;
    let refusedPeer = false;
    let incoming = received;
    if (carriesInternalFields(received.headers)) {
      // Honoured only from an authenticated ring member (verified against the target as signed and
      // sent); from anyone else the fields are removed here, before anything reads the request.
      const admitted = this.peerGate.admit(received);
      incoming = admitted.req;
      fromPeer = admitted.fromPeer;
      refusedPeer = admitted.refusedPeer;
    }
    // From here on only the canonical request exists: the key, Vary and the upstream request are all made from it.
    const req = admitRequest(incoming, this.o.keyHost);
    if (req instanceof Refusal) return this.finish(refusalResponse(this.identity, req));
    if (refusedPeer) this.refusedPeerRequests.add(req);
    if (req.method === 'PURGE' && fromPeer) return this.finish(this.peerInvalidation(req));
    // A leaving ring member hands over an object it served (graceful leave); only ever from a peer.
    if (req.method === 'PUT' && fromPeer && req.headers[PUSH_HEADER] !== undefined) return this.acceptPush(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.passThrough(req);
    // Before anything reads it: the Vary secondary key and the forwarded request both see this value.
    this.encodings.apply(req.headers);
    const key = this.keyOf(req);
    // Freshness is judged on the monotonic clock (see StoredResponse.storedAtMonoMs).
    const nowMs = this.o.clock.monoMs();
    const cc = req.headers['cache-control'];
    const rd = cc === undefined || !this.o.honorRequestCacheControl ? undefined : parseCacheControl(String(cc));
    let found = this.store.lookup(key, req.headers, nowMs);
    let fromHotStore = false;
    if (found.kind !== 'match' && this.hotStore !== undefined) {
      const hot = this.hotStore.lookup(key, req.headers, nowMs);
      if (hot.kind === 'match') {
        found = hot;
        fromHotStore = true;
      }
    }
    if (fromPeer) {
      // The asking edge has applied purges we have not: whatever we hold may be what it purged.
      if (Number(req.headers[PURGE_SEQ_HEADER] ?? 0) > this.purges.appliedSeq) {
        return this.forPeer(this.finish(errorResponse(this.identity, 503, 'purge-lag', 'miss', 'pass')));
      }
      return this.forPeer(this.answer(req, key, nowMs, rd, found, fromHotStore, true));
    }
    return this.answer(req, key, nowMs, rd, found, fromHotStore, false);
  }

  private answer(
    req: EdgeRequest,
    key: string,
    nowMs: number,
    rd: Directives | undefined,
    found: Lookup,
    fromHotStore: boolean,
    fromPeer: boolean,
  ): EdgeResponse | Promise<EdgeResponse> {
    if (fromPeer && req.headers[HANDOFF_HEADER] !== undefined) return this.finish(this.control.answerHandoff(key, found, req, nowMs));
    const leased = this.control.leaseValid();

    if (found.kind === 'match') {
      const stored = found.response;
      const demanded = requestDemand(rd, stored, nowMs);
      // Without a valid lease a purge may have been missed: nothing is reused unvalidated.
      const forced = demanded !== undefined || !leased;
      if (!forced && isFresh(stored, nowMs)) {
        if (fromPeer) this.metrics.ownerHits++;
        if (fromHotStore) this.metrics.hotHits++;
        if (!fromPeer && req.method === 'GET' && req.headers['range'] === undefined && !hasConditional(req.headers)) {
          return this.finish(this.hitAnswers.answer(variantFor(stored, req.headers), nowMs));
        }
        return this.finish(serveStored(stored, req, nowMs, this.o.cacheName, { kind: 'hit', hit: true }));
      }
      if (!forced && maxStaleAllows(rd, stored, nowMs)) {
        return this.finish(serveStored(stored, req, nowMs, this.o.cacheName, { kind: 'hit', hit: true, detail: 'max-stale' }));
      }
      if (!forced && staleWhileRevalidateAllows(stored, nowMs)) {
        // A request that could not prove the peer marker it carried starts nothing (Admitted.refusedPeer).
        if (!this.refusedPeerRequests.has(req)) this.refreshInBackground(key, stored, req);
        mark('stale-while-revalidate-served');
        return this.finish(serveStored(stored, req, nowMs, this.o.cacheName, { kind: 'stale-while-revalidate', hit: true, fwd: 'stale', detail: 'stale-while-revalidate' }));
      }
      if (rd?.onlyIfCached === true) return this.finish(errorResponse(this.identity, 504, 'only-if-cached', 'request'));
      if (!leased) this.metrics.leaseRevalidations++;
      if (demanded !== undefined && leased) this.validationDemanded.set(req, demanded);
      return this.collapsedFetch(key, req, forced && leased ? 'request' : 'stale', stored);
    }
    if (rd?.onlyIfCached === true) return this.finish(errorResponse(this.identity, 504, 'only-if-cached', 'request'));
    return this.collapsedFetch(key, req, found.kind === 'vary-miss' ? 'vary-miss' : 'uri-miss', undefined);
  }

  /** Resolves once every background refresh started so far has finished (tests, shutdown, simulator). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /**
   * Whether this edge holds a copy of `key` it could serve without validation. A push never
   * replaces one; it does replace an expired or soft-purged copy, which would otherwise send the
   * key to the origin for revalidation (cdn-sim swarm seed 319).
   */
  private holdsFresh(key: string): boolean {
    const held = this.store.lookup(key, {});
    return held.kind === 'match' && isFresh(held.response, this.o.clock.monoMs());
  }

  /** A leaving peer pushes one object this edge now owns (handover.ts). */
  private async acceptPush(req: EdgeRequest): Promise<EdgeResponse> {
    const key = this.keyOf(req);
    const startSeq = this.purges.appliedSeq;
    const refuse = (status: number, detail: string): EdgeResponse => {
      this.metrics.pushesRefused++;
      if (req.body !== undefined) void drain(req.body);
      return this.finish(errorResponse(this.identity, status, detail, 'method', 'pass'));
    };
    // The purge rule of peer fills: a pusher behind us on purges may hold what we purged.
    if (!(Number(req.headers[PURGE_SEQ_HEADER] ?? -1) >= startSeq)) return refuse(409, 'purge-lag');
    const cluster = this.cluster;
    // Not (yet) ours: perhaps the ring without the pusher has not reached this edge; it may try again.
    if (cluster === undefined || !cluster.owns(key) || !cluster.recentlyLeft(String(req.headers[PUSH_HEADER]))) return refuse(PUSH_NOT_OWNER_STATUS, 'not-owner');
    if (this.holdsFresh(key)) return refuse(409, 'already-stored');
    if (req.body === undefined) return refuse(400, 'push-without-body');
    const read = await readBounded(req.body, maxPushBodyBytes(this.o.maxObjectBytes));
    if (read.kind !== 'complete') return refuse(413, 'push-too-large');
    // The signed digest must name these exact bytes (SECURITY.md: a replay may swap the body).
    if (!bodyDigestMatches(requestHeader(req.headers, CONTENT_DIGEST_HEADER), read.body)) {
      this.metrics.peerAuthFailures['body-digest']++;
      return refuse(400, 'push-body-digest');
    }
    const push = decodePush(read.body);
    if (!push.ok) return refuse(400, push.message);
    const exchange: UpstreamExchange = {
      method: 'GET',
      requestHeaders: {},
      status: push.status,
      headers: push.headers,
      requestTimeMs: this.o.clock.wallMs(),
      responseTimeMs: this.o.clock.wallMs(),
      responseMonoMs: this.o.clock.monoMs(),
      surrogateKeys: push.surrogateKeys,
    };
    const plan = planStorage(exchange, this.storage);
    if (!plan.store || push.body.length > this.o.maxObjectBytes) return refuse(422, 'not-storable');
    // A leaver pushes identity copies (it asked for them, and its own compressed copies stay behind).
    const negotiated = this.compression?.prepare(exchange, push.body.length);
    const response = buildStoredResponse(negotiated?.exchange ?? exchange, plan, push.body, this.storage, negotiated !== undefined);
    if (negotiated !== undefined && negotiated.codings.length > 0) await this.compression!.attach(response, negotiated.codings, undefined);
    // The purge/fill race: a purge applied while the push was read may be meant for this copy.
    if (response.varyNames.length > 0 || this.purges.purgedSince(startSeq, key, response.surrogateKeys)) return refuse(409, 'purged-during-push');
    if (this.holdsFresh(key)) return refuse(409, 'already-stored');
    this.store.put(key, response);
    this.metrics.pushesAccepted++;
    const outcome: Outcome = { kind: 'pass', hit: false, detail: 'handover-stored', bytes: 0 };
    return this.finish({ status: 201, headers: ['cache-status', formatCacheStatus(this.o.cacheName, outcome), 'content-length', '0'], body: undefined, outcome });
  }

  /**
   * Answers to peers say which purges this edge has applied, so a lagging owner's copy is
   * refused; the surrogate keys of the copy they serve when its fields hide them; and whether
   * they come from a copy that is not fresh (stale-if-error, max-stale), so the asking edge
   * neither keeps nor relays stale content as fresh.
   */
  private forPeer(res: EdgeResponse | Promise<EdgeResponse>): EdgeResponse | Promise<EdgeResponse> {
    const tag = (r: EdgeResponse): EdgeResponse => {
      r.headers = [...r.headers, PURGE_SEQ_HEADER, String(this.purges.appliedSeq)];
      // Only when the served fields hide them: a Surrogate-Key served is the same list, and sending
      // it twice could push a tag-heavy head past the asking edge's head limit (undici: 16 KiB).
      if (r.surrogateKeys !== undefined && r.surrogateKeys.length > 0 && !hasField(r.headers, 'surrogate-key')) {
        r.headers.push(SURROGATE_KEYS_HEADER, r.surrogateKeys.join(' '));
      }
      if (r.outcome.kind === 'stale-if-error') r.headers.push(STALE_ANSWER_HEADER, 'if-error');
      else if (r.outcome.detail === 'max-stale') r.headers.push(STALE_ANSWER_HEADER, 'max-stale');
      return r;
    };
    return res instanceof Promise ? res.then(tag) : tag(res);
  }

  /**
   * The primary key of an admitted request, whose target and Host are canonical already: under
   * keyHost 'origin' the target alone (every key would have the origin's authority, so it adds
   * nothing, and a hit builds no new string), else the Host and the target.
   */
  private keyOf(req: EdgeRequest): string {
    return this.o.keyHost === 'origin' ? req.target : `${hostOf(req)!}${req.target}`;
  }

  /** A peer saw an unsafe method succeed for a URL this edge owns (RFC 9111 §4.4 across the ring). */
  private peerInvalidation(req: EdgeRequest): EdgeResponse {
    this.control.invalidateKey(this.keyOf(req));
    this.metrics.invalidations++;
    const outcome: Outcome = { kind: 'pass', hit: false, detail: 'peer-invalidation', bytes: 0 };
    return { status: 204, headers: ['cache-status', formatCacheStatus(this.o.cacheName, outcome)], body: undefined, outcome };
  }

  private finish(res: EdgeResponse): EdgeResponse {
    this.metrics.record(res.outcome);
    return res;
  }

  /**
   * `waitUntilMonoMs`: the wait bound of a request queueing again after a 'retry'. `stuck`: the
   * writer generation a request waited on until its bound passed; it then takes over as writer,
   * or waits once more for whoever took over first, and after that fetches on its own.
   */
  private async collapsedFetch(
    key: string,
    req: EdgeRequest,
    fwd: ForwardReason,
    stored: StoredResponse | undefined,
    waitUntilMonoMs?: number,
    stuck?: object,
  ): Promise<EdgeResponse> {
    if (this.refusedPeerRequests.has(req)) return this.fetchAlone(key, req, fwd, stored);
    const since: FetchStart = { key, seq: this.purges.appliedSeq, leased: this.control.leaseValid() };
    // One wait bound for the whole request, however often a 'retry' sends it back into the queue.
    const deadlineMonoMs = waitUntilMonoMs ?? this.o.clock.monoMs() + this.o.collapseWaitMs;
    const waitMs = Math.max(1, deadlineMonoMs - this.o.clock.monoMs());
    const lock = stuck === undefined ? this.locks.acquire(key, waitMs) : this.locks.takeOver(key, stuck, waitMs);
    if (lock.role === 'writer') {
      const overBudget = this.spendMissBudget(req, fwd);
      if (overBudget !== undefined) {
        // Whoever waited behind this client collapses again behind one of them.
        lock.release({ reason: 'retry' });
        return this.finish(overBudget);
      }
      try {
        return this.finish(await this.fetch(key, req, fwd, stored, lock));
      } finally {
        lock.release({ reason: 'abandoned' });
      }
    }
    this.metrics.collapseWaits++;
    const wake = await lock.wake;
    switch (wake.reason) {
      case 'stored': {
        const found = this.store.lookup(key, req.headers);
        if (found.kind === 'match') {
          const outcome = { kind: 'collapsed', hit: false, fwd, fwdStatus: found.response.status, collapsed: true } as const;
          return this.finish(serveStored(found.response, req, this.o.clock.monoMs(), this.o.cacheName, outcome));
        }
        break;
      }
      case 'error': {
        const failure = wake.error as Failure;
        const current = this.store.lookup(key, req.headers);
        return this.finish(this.originFailed(req, current.kind === 'match' ? current.response : undefined, failure, fwd, since));
      }
      case 'shared': {
        const shared = wake.response!;
        if (shared.varyNames.length === 0 || varyMatches(shared.varyNames, shared.varyValues, req.headers)) {
          // A peer's stale-if-error answer stays labelled as one for every waiter it reaches.
          const outcome = wake.staleIfError === true
            ? ({ kind: 'stale-if-error', hit: false, fwd, fwdStatus: shared.status, collapsed: true, detail: 'stale-if-error' } as const)
            : ({ kind: 'collapsed', hit: false, fwd, fwdStatus: shared.status, collapsed: true } as const);
          mark('collapse-waiter-shared');
          return this.finish(serveStored(shared, req, this.o.clock.monoMs(), this.o.cacheName, outcome));
        }
        break;
      }
      case 'retry': {
        // Queue again behind one new writer, as often as purges race fills (a reconnecting edge
        // replays its purge backlog in several frames), but only until this request's wait bound:
        // a key purged over and over must not keep its waiters queueing forever. Giving up after
        // a fixed number of retries instead sent every waiter to the origin at once.
        if (this.o.clock.monoMs() >= deadlineMonoMs) {
          this.metrics.collapseTimeouts++;
          break;
        }
        const current = this.store.lookup(key, req.headers);
        return this.collapsedFetch(key, req, fwd, current.kind === 'match' ? current.response : undefined, deadlineMonoMs, stuck);
      }
      case 'timeout':
        this.metrics.collapseTimeouts++;
        // First time: take over from the stuck writer (or wait for whoever did) with a fresh
        // bound. Second time: fetch on our own, so no request ever waits longer than twice the bound.
        if (stuck === undefined && wake.stuck !== undefined) {
          const current = this.store.lookup(key, req.headers);
          return this.collapsedFetch(key, req, fwd, current.kind === 'match' ? current.response : undefined, undefined, wake.stuck);
        }
        break;
      case 'uncacheable':
      case 'abandoned':
        break;
      default:
        throw new Error(`unhandled wake reason ${String(wake.reason satisfies never)}`);
    }
    return this.finish(await this.fetch(key, req, fwd, stored, undefined));
  }

  /**
   * A request that carried the peer marker without proof (Admitted.refusedPeer) neither waits
   * behind another fetch of its key nor leads one: from a peer with a wrong secret or clock it may
   * be the very request that fetch is waiting for (a handoff ask, or a fill the asking edge's own
   * clients wait behind), and waiting would hold both until the peer timeout. It goes to the
   * origin (Upstream.get, `alone`), charged to its client's miss budget.
   */
  private async fetchAlone(key: string, req: EdgeRequest, fwd: ForwardReason, stored: StoredResponse | undefined): Promise<EdgeResponse> {
    const overBudget = this.spendMissBudget(req, fwd);
    if (overBudget !== undefined) return this.finish(overBudget);
    return this.finish(await this.fetch(key, req, fwd, stored, undefined));
  }

  /**
   * One exchange with the origin for a GET (also on behalf of HEAD): revalidates `stored` when
   * given, stores what may be stored, and wakes collapsed waiters through `permit`.
   */
  private async fetch(
    key: string,
    req: EdgeRequest,
    fwd: ForwardReason,
    stored: StoredResponse | undefined,
    permit: WriterPermit | undefined,
  ): Promise<EdgeResponse> {
    const validators = stored === undefined ? [] : conditionalRequestHeaders(storedValidators(stored));
    const startSeq = this.purges.appliedSeq;
    const since: FetchStart = { key, seq: startSeq, leased: this.control.leaseValid() };
    const requestTimeMs = this.o.clock.wallMs();
    const headers = outboundHeaders(req, { via: this.via, forStorage: true, extra: validators, dropHost: this.o.keyHost === 'origin' });
    let upstream;
    let source: UpstreamSource = { kind: 'origin' };
    try {
      const routed = await this.upstream.get(key, req, headers, this.refusedPeerRequests.has(req));
      upstream = routed.response;
      source = routed.source;
    } catch (err) {
      const failure: Failure = { kind: 'transport', error: asTransportError(err) };
      // A full origin queue is counted by the gate, not as an origin failure.
      if (!(err instanceof OriginQueueFull)) this.metrics.originError(failure.error.code);
      permit?.release({ reason: 'error', error: failure });
      return fromUpstream(this.originFailed(req, stored, failure, fwd, since), source);
    }
    const responseTimeMs = this.o.clock.wallMs();
    const responseMonoMs = this.o.clock.monoMs();
    const peerStale = source.kind === 'peer' ? staleAnswerOf(headerValue(upstream.headers, STALE_ANSWER_HEADER)) : undefined;
    // A peer (or previous owner) names the keys of the copy it served: its fields may not show them.
    const peerKeys = source.kind === 'origin' ? undefined : answerSurrogateKeys(upstream.headers);

    if (peerStale === 'max-stale' && upstream.status === 304 && stored !== undefined) {
      // The same content the peer served under this client's max-stale: ours, as it is, to this
      // client only (waiters did not ask for stale), unless a purge for it landed meanwhile.
      upstream.discard();
      permit?.release({ reason: 'uncacheable' });
      if (this.purges.purgedSince(startSeq, key, stored.surrogateKeys)) return this.fetch(key, req, fwd, undefined, undefined);
      return fromUpstream(serveStored(stored, req, responseMonoMs, this.o.cacheName, { kind: 'hit', hit: true, fwd, fwdStatus: 304, detail: 'max-stale' }), source);
    }

    if (peerStale === 'if-error' && upstream.status === 304 && stored !== undefined) {
      // The peer's 304 says only that our copy is the content it served stale: not a validation.
      // Our copy may stand in as the peer's did (stale-if-error), judged by the same rules as for
      // a failed origin; waiters do the same with theirs.
      upstream.discard();
      const failure: Failure = { kind: 'peer-stale' };
      permit?.release({ reason: 'error', error: failure });
      return fromUpstream(this.originFailed(req, stored, failure, fwd, since), source);
    }

    if (upstream.status === 304 && stored !== undefined) {
      upstream.discard();
      if (!notModifiedSelects(storedValidators(stored).etag, upstream.headers)) {
        this.removeEverywhere(key, stored);
        permit?.release({ reason: 'uncacheable' });
        return this.fetch(key, req, fwd, undefined, undefined);
      }
      const merged = mergeNotModified(this.upstreamHeaders(stored), upstream.headers);
      const surrogateKeys = peerKeys ?? surrogateKeysAfterNotModified(stored.surrogateKeys, headerValue(upstream.headers, 'surrogate-key'));
      return this.storeAndServe(
        key,
        req,
        fwd,
        permit,
        stored,
        {
          exchange: { method: 'GET', requestHeaders: req.headers, status: stored.status, headers: merged, requestTimeMs, responseTimeMs, responseMonoMs, surrogateKeys },
          body: stored.body,
          fwdStatus: 304,
          startSeq,
        },
        this.storeFor(key, source, responseMonoMs),
        source,
      );
    }

    if (upstream.status >= 500 && stored !== undefined && staleIfErrorAllows(stored, responseMonoMs)) {
      upstream.discard();
      this.metrics.originError('status-5xx');
      const failure: Failure = { kind: 'status', status: upstream.status };
      permit?.release({ reason: 'error', error: failure });
      return fromUpstream(this.originFailed(req, stored, failure, fwd, since), source);
    }

    const exchange: UpstreamExchange = {
      method: 'GET',
      requestHeaders: req.headers,
      status: upstream.status,
      headers: upstream.headers,
      requestTimeMs,
      responseTimeMs,
      responseMonoMs,
      surrogateKeys: peerKeys,
    };
    const plan = planStorage(exchange, this.storage);
    const declaredLength = Number(headerValue(upstream.headers, 'content-length') ?? NaN);
    const tooLarge = declaredLength > this.o.maxObjectBytes;
    const target = this.storeFor(key, source, responseMonoMs);
    if (!plan.store || tooLarge) {
      // A failing origin's 5xx is shared with the waiters, as a transport error is, so they do
      // not all retry against it at once; other unshareable answers send each to fetch its own.
      if (upstream.status >= 500) permit?.release({ reason: 'error', error: { kind: 'status', status: upstream.status } satisfies Failure });
      else permit?.release({ reason: 'uncacheable' });
      // The origin answered with something we may not keep: the old copy is superseded.
      if (stored !== undefined) this.removeEverywhere(key, stored);
      return fromUpstream(streamThrough(this.identity, req, upstream, fwd, plan.store ? 'too-large' : plan.reason), source);
    }

    const read = await readBounded(upstream.body, this.o.maxObjectBytes);
    if (read.kind === 'error') {
      const failure: Failure = { kind: 'transport', error: asTransportError(read.error) };
      this.metrics.originError(failure.error.code);
      permit?.release({ reason: 'error', error: failure });
      return this.originFailed(req, stored, failure, fwd, since);
    }
    if (read.kind === 'overflow') {
      permit?.release({ reason: 'uncacheable' });
      if (stored !== undefined) this.removeEverywhere(key, stored);
      return fromUpstream(streamThrough(this.identity, req, { ...upstream, body: read.body }, fwd, 'too-large'), source);
    }
    // A peer's stale content is relayed, never kept: here it would be served as fresh.
    const fill = { exchange, plan, body: read.body, fwdStatus: upstream.status, startSeq, ...(peerStale === undefined ? {} : { peerStale }) };
    return this.storeAndServe(key, req, fwd, permit, stored, fill, peerStale === undefined ? target : undefined, source);
  }

  private storeAndServe(
    key: string,
    req: EdgeRequest,
    fwd: ForwardReason,
    permit: WriterPermit | undefined,
    previous: StoredResponse | undefined,
    /** `plan`: the exchange's storage plan when the caller has made it already. */
    fill: { exchange: UpstreamExchange; plan?: StoragePlan; body: Buffer; fwdStatus: number; startSeq: number; peerStale?: StaleAnswer },
    target: ResponseStore | undefined,
    source: UpstreamSource,
  ): EdgeResponse | Promise<EdgeResponse> {
    const plan = fill.plan ?? planStorage(fill.exchange, this.storage);
    const effectivePlan = plan.store ? plan : { effective: { directives: parseCacheControl(undefined), targeted: false }, lifetime: { lifetimeMs: 0, heuristic: false } };
    // From the origin under --compress: stored as the identity exchange it was, and compressed here.
    const negotiated = source.kind === 'origin' ? this.compression?.prepare(fill.exchange, fill.body.length) : undefined;
    const exchange = negotiated?.exchange ?? fill.exchange;
    const response = buildStoredResponse(exchange, effectivePlan, fill.body, this.storage, negotiated !== undefined);
    const stored = { plan, effectivePlan, exchange, response, compressed: negotiated !== undefined };
    // Without compression this stays synchronous: no extra turn between the fill and its answer.
    if (negotiated === undefined || negotiated.codings.length === 0) return this.keepAndServe(key, req, fwd, permit, previous, fill, target, source, stored);
    return this.compression!.attach(response, negotiated.codings, previous).then(() => this.keepAndServe(key, req, fwd, permit, previous, fill, target, source, stored));
  }

  /** storeAndServe's second half, once the response (and any compressed copies) is built. */
  private keepAndServe(
    key: string,
    req: EdgeRequest,
    fwd: ForwardReason,
    permit: WriterPermit | undefined,
    previous: StoredResponse | undefined,
    fill: { exchange: UpstreamExchange; body: Buffer; fwdStatus: number; startSeq: number; peerStale?: StaleAnswer },
    target: ResponseStore | undefined,
    source: UpstreamSource,
    built: { plan: StoragePlan; effectivePlan: StoredRules; exchange: UpstreamExchange; response: StoredResponse; compressed: boolean },
  ): EdgeResponse {
    const { plan, effectivePlan, exchange, response } = built;
    // A peer's stale content is stale here too, whatever its Age says (a soft purge leaves no trace on the wire).
    if (fill.peerStale !== undefined) response.freshUntilMonoMs = softPurged(response, this.o.clock.monoMs()).freshUntilMonoMs;
    // The purge/fill race: a purge that landed while this fill was in flight may have been
    // meant for exactly this content, so it is served to the waiting client but not stored.
    const raced = this.purges.purgedSince(fill.startSeq, key, response.surrogateKeys);
    if (raced) this.metrics.fillsDroppedByPurge++;
    const keep = plan.store && target !== undefined && !raced;
    if (keep) {
      target.put(key, response);
      permit?.release({ reason: 'stored' });
    } else if (plan.store && !raced && fill.peerStale !== 'max-stale') {
      // Kept nowhere here only because it is a peer's answer for a key that is not hot, yet as
      // shareable as a stored one. Waking the waiters 'uncacheable' sent each upstream on its
      // own, and to the origin all at once when the ring changed while they waited.
      permit?.release({ reason: 'shared', response, ...(fill.peerStale === 'if-error' ? { staleIfError: true } : {}) });
    } else {
      if (previous !== undefined && !plan.store) this.removeEverywhere(key, previous);
      permit?.release({ reason: raced ? 'retry' : 'uncacheable' });
    }
    // Under the 'strip' policy the stored copy has no Set-Cookie, but the client that caused
    // the fill still gets the cookie meant for it.
    const forClient =
      this.storage.setCookie === 'strip' && exchange.headers.some(([n]) => n === 'set-cookie')
        ? buildStoredResponse(exchange, effectivePlan, fill.body, { ...this.storage, setCookie: 'store' }, built.compressed)
        : response;
    const nowMs = this.o.clock.monoMs();
    const served = serveStored(forClient, req, nowMs, this.o.cacheName, {
      kind: fill.peerStale === 'if-error' ? 'stale-if-error' : previous !== undefined ? 'revalidated' : 'miss',
      hit: false,
      fwd,
      fwdStatus: fill.fwdStatus,
      stored: keep,
      detail: raced
        ? 'purged-during-fill'
        : fill.peerStale !== undefined
          ? (fill.peerStale === 'if-error' ? 'stale-if-error' : 'max-stale')
          : source.kind !== 'origin'
            ? `${source.kind}-${source.id}`
            : !plan.store
              ? plan.reason
              : !this.control.leaseValid()
                ? (mark('lease-expired'), 'lease-expired')
                : requestDetail(this.validationDemanded.get(req)),
    }, headerValue(fill.exchange.headers, 'cache-status'));
    fromUpstream(served, source);
    return source.kind === 'origin' ? omitZeroAge(served) : served;
  }

  /**
   * The store a fill goes to: the main store for what came from the origin or a handoff (this
   * edge owns it), the hot store for a peer's answer when the key is hot here, else none.
   */
  private storeFor(key: string, source: UpstreamSource, nowMs: number): ResponseStore | undefined {
    if (source.kind !== 'peer') return this.store;
    return this.cluster!.isHot(key, nowMs) ? this.hotStore : undefined;
  }

  private removeEverywhere(key: string, response: StoredResponse): void {
    this.store.remove(key, response);
    this.hotStore?.remove(key, response);
  }

  /** The origin's header fields of a stored response, without the ones this cache added. */
  private upstreamHeaders(stored: StoredResponse): HeaderList {
    const pairs = headerPairs(stored).filter(([name]) => name !== 'content-length');
    return pairs.flatMap(([name, value]): HeaderList => {
      if (name !== 'via') return [[name, value]];
      if (value === this.via) return [];
      return [[name, value.endsWith(`, ${this.via}`) ? value.slice(0, -(this.via.length + 2)) : value]];
    });
  }

  /** Serves stale content inside its stale-if-error window (RFC 5861 §4), or an error. */
  private originFailed(req: EdgeRequest, stored: StoredResponse | undefined, failure: Failure, fwd: ForwardReason, since: FetchStart): EdgeResponse {
    const nowMs = this.o.clock.monoMs();
    // The lease must have held when the request began (a lease renewed meanwhile proves nothing
    // about the copy in hand), and no purge for this copy may have landed since.
    const staleAllowed =
      stored !== undefined &&
      staleFallbackTrusted(since.leased, this.o.lease?.expiredServeStale === true, this.purges.purgedSince(since.seq, since.key, stored.surrogateKeys));
    if (stored !== undefined && staleAllowed && staleIfErrorAllows(stored, nowMs)) {
      mark('stale-if-error-served');
      return serveStored(stored, req, nowMs, this.o.cacheName, {
        kind: 'stale-if-error',
        hit: true,
        fwd: 'stale',
        ...(failure.kind === 'status' ? { fwdStatus: failure.status } : {}),
        detail: 'stale-if-error',
      });
    }
    if (failure.kind === 'peer-stale') return errorResponse(this.identity, 502, 'peer-stale-only', fwd);
    if (failure.kind === 'transport' && failure.error instanceof OriginQueueFull) return originBusy(this.identity, fwd);
    if (failure.kind === 'status') {
      // Only reached for waiters whose writer saw a 5xx; they answer with the same status.
      return errorResponse(this.identity, failure.status, `origin answered ${failure.status}`, fwd);
    }
    const timeout = failure.error.code.endsWith('timeout');
    this.o.logger.log('warn', 'origin request failed', { code: failure.error.code, target: req.target });
    return errorResponse(this.identity, timeout ? 504 : 502, `origin-${failure.error.code}`, fwd);
  }

  /** Methods other than GET and HEAD go to the origin as they are; unsafe ones invalidate (§4.4). */
  private async passThrough(req: EdgeRequest): Promise<EdgeResponse> {
    const overBudget = this.spendMissBudget(req, 'method');
    if (overBudget !== undefined) return this.finish(overBudget);
    this.metrics.originRequests++;
    let upstream;
    try {
      const send = () =>
        this.o.transport.request({
          origin: this.o.originUrl,
          method: req.method,
          target: req.target,
          headers: outboundHeaders(req, { via: this.via, forStorage: false, dropHost: this.o.keyHost === 'origin' }),
          ...(req.body === undefined ? {} : { body: req.body }),
          timeouts: this.o.originTimeouts,
          ...(req.sendInformational === undefined ? {} : { onInformational: relayInformational(req.sendInformational)! }),
        });
      upstream = await (this.originGate === undefined ? send() : this.originGate.run(send));
    } catch (err) {
      if (err instanceof OriginQueueFull) return this.finish(originBusy(this.identity, 'method'));
      const error = asTransportError(err);
      this.metrics.originError(error.code);
      return this.finish(errorResponse(this.identity, error.code.endsWith('timeout') ? 504 : 502, `origin-${error.code}`, 'method'));
    }
    const host = hostOf(req);
    for (const target of invalidationTargets(req.method, upstream.status, host, req.target, upstream.headers)) {
      if (this.control.invalidate(host, target)) this.metrics.invalidations++;
      this.noticeRegion(req, target);
    }
    const outcome: Outcome = { kind: 'pass', hit: false, fwd: 'method', fwdStatus: upstream.status, bytes: 0, upstream: 'origin' };
    outcome.bytes = Number(headerValue(upstream.headers, 'content-length') ?? 0);
    return this.finish({ status: upstream.status, headers: forwardedHeaders(this.identity, upstream.headers, outcome), body: upstream.body, outcome });
  }

  /**
   * Charges a client's request that is about to go upstream (a miss, a revalidation or an unsafe
   * method) to its address's budget; the 429 to answer when it is spent. Peers are not charged:
   * the front edge that took the client's request already was.
   */
  private spendMissBudget(req: EdgeRequest, fwd: ForwardReason): EdgeResponse | undefined {
    const budget = this.clientBudget;
    if (budget === undefined || req.clientAddress === undefined || req.headers[PEER_HEADER] !== undefined) return undefined;
    const answer = budget.take(req.clientAddress, this.o.clock.monoMs());
    if (answer.ok) return undefined;
    this.metrics.clientBudgetExceeded++;
    return withRetryAfter(errorResponse(this.identity, 429, 'client-miss-budget', fwd), answer.retryAfterSeconds);
  }

  /**
   * Tells every other ring member to drop its copy of an invalidated URL, not only the owner:
   * non-owners hold copies too (hot-cache copies, and fills made while the owner was down), and
   * after the owner is back nothing else would ever remove them. One bodiless request per member
   * (at most MAX_RING_MEMBERS - 1), in the background; suspect members are asked as well, since a
   * slow or partitioned edge may still hold and serve a copy.
   */
  private noticeRegion(req: EdgeRequest, target: string): void {
    const cluster = this.cluster;
    // A peer's notice, proved or not (Admitted.refusedPeer), is never sent on: an edge with
    // another secret refuses every notice, and each refused one, passed to the origin and
    // answered 2xx, would send new notices round the region without end. Any other refused
    // request (a client's POST with a forged marker) still tells the region, once: what it sends
    // is a PURGE notice, which goes no further.
    if (cluster === undefined || req.headers[PEER_HEADER] !== undefined || (req.method === 'PURGE' && this.refusedPeerRequests.has(req))) return;
    // A target with no key was never stored anywhere.
    if (this.control.keyFor(hostOf(req), target) === undefined) return;
    const headers: HeaderList = this.o.keyHost === 'origin' ? [] : [['host', hostOf(req) ?? this.originAuthority]];
    for (const member of cluster.members()) {
      if (member.id === cluster.selfId) continue;
      const work = this.upstream.peer(member, 'PURGE', target, headers, false)
        .then((res) => res?.discard())
        .finally(() => this.background.delete(work));
      this.background.add(work);
    }
  }


  /** stale-while-revalidate: one background refresh per key; others keep being served stale. */
  private refreshInBackground(key: string, stored: StoredResponse, req: EdgeRequest): void {
    const lock = this.locks.acquire(key);
    if (lock.role === 'waiter') {
      // Someone is already fetching this key; their result lands in the store.
      void lock.wake;
      return;
    }
    this.metrics.backgroundRefreshes++;
    const refreshReq: EdgeRequest = { method: 'GET', target: req.target, headers: withoutPreconditions(req.headers) };
    const work = this.fetch(key, refreshReq, 'stale', stored, lock)
      .then((res) => drain(res.body))
      .catch((err: unknown) => this.o.logger.log('warn', 'background refresh failed', { target: req.target, error: String(err) }))
      .finally(() => {
        lock.release({ reason: 'abandoned' });
        this.background.delete(work);
      });
    this.background.add(work);
  }
}

/** 503 with Retry-After: this edge's origin connections and their wait queue are all taken. */
function originBusy(id: Identity, fwd: ForwardReason): EdgeResponse {
  return withRetryAfter(errorResponse(id, 503, 'origin-busy', fwd), 1);
}

function withRetryAfter(res: EdgeResponse, seconds: number): EdgeResponse {
  res.headers.push('retry-after', String(seconds));
  return res;
}

/** Notes in the outcome who answered upstream, for the access log. */
function fromUpstream(res: EdgeResponse, source: UpstreamSource): EdgeResponse {
  res.outcome.upstream = source.kind === 'origin' ? 'origin' : source.id;
  return res;
}

function hostOf(req: EdgeRequest): string | undefined {
  const host = req.headers['host'];
  return typeof host === 'string' ? host : undefined;
}

function requestDetail(demanded: RequestValidation | undefined): string | undefined {
  return demanded === undefined ? undefined : `request-${demanded}`;
}

/** A response the origin just produced or validated carries no Age unless it really aged. */
function omitZeroAge(res: EdgeResponse): EdgeResponse {
  const h = res.headers;
  for (let i = 0; i + 1 < h.length; i += 2) {
    if (h[i] === 'age' && h[i + 1] === '0') {
      h.splice(i, 2);
      break;
    }
  }
  return res;
}

/** Whether `[name, value, ...]` (lower-case names, as every EdgeResponse has) holds a field `name`. */
function hasField(headers: readonly string[], name: string): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return true;
  return false;
}

function withoutPreconditions(headers: EdgeRequest['headers']): EdgeRequest['headers'] {
  const copy: Record<string, string | string[] | undefined> = { ...headers };
  for (const name of ANSWERED_LOCALLY) delete copy[name];
  return copy;
}

async function drain(body: EdgeResponse['body']): Promise<void> {
  if (body === undefined || Buffer.isBuffer(body)) return;
  for await (const _chunk of body) {
    // Discarding: the refresh only needed the side effect of storing.
  }
}
