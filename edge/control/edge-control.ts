/**
 * The edge's control surface: what the control plane, the admin port, a leaving edge and peers
 * do to an edge apart from asking it for content. Purges and flushes, the lease, ring
 * membership, the handoff answer to a new owner, the push of a leaving edge and peer
 * invalidation live here; the request pipeline (edge/pipeline/edge.ts) only reads the lease and
 * the purge ledger. Each operation emits a typed event (edge-events.ts) for the simulator,
 * metrics and logs.
 */
import { mark } from '../../common/coverage-marks.js';
import type { HeaderList } from '../../common/http.js';
import type { PurgeRecord } from '../../common/control-protocol.js';
import type { Clock, Logger, OutboundResponse, Timers } from '../../common/ports.js';
import type { KeyHost } from '../policy/cache-key.js';
import { primaryKey } from '../policy/cache-key.js';
import { handoffMayServe, isFresh, leaseAllowsReuse } from '../policy/reuse.js';
import type { Cluster } from '../routing/cluster.js';
import { HANDOFF_NEXT_HEADER, PEER_HEADER } from '../routing/peer-fields.js';
import { Ring, type RingMember } from '../routing/ring.js';
import { PurgeLedger } from '../store/purge-ledger.js';
import type { Lookup, ResponseStore } from '../store/response-store.js';
import { pushAll, type HandoverReport, type PushItem, type PushLimits } from '../pipeline/handover.js';
import type { EdgeMetrics } from '../pipeline/metrics.js';
import { errorResponse, type Identity } from '../pipeline/responses.js';
import { serveStored } from '../pipeline/serve-stored.js';
import type { EdgeRequest, EdgeResponse } from '../pipeline/types.js';
import { applyPurgeToStores } from './apply-purge.js';
import { EdgeEvents, type EdgeEvent } from './edge-events.js';

export interface EdgeControlOptions {
  store: ResponseStore;
  hotStore: ResponseStore | undefined;
  cluster: Cluster | undefined;
  metrics: EdgeMetrics;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  keyHost: KeyHost;
  identity: Identity;
  /** True when a control plane is configured: reuse without validation then needs its lease. */
  leaseRequired: boolean;
  /** Sends one object of a graceful leave to its new owner (the pipeline's upstream). */
  push(owner: RingMember, target: string, headers: HeaderList, body: Buffer): Promise<OutboundResponse>;
}

export class EdgeControl {
  /** Purges applied, for the purge/fill race and for refusing fills from lagging peers. */
  readonly purges = new PurgeLedger();
  /** Subscribe here to see purges, flushes, rings, leases and handoffs as they happen. */
  readonly events = new EdgeEvents();
  /** Monotonic time the control plane's lease runs out; -Infinity until the first grant. */
  private leaseUntilMonoMs = -Infinity;

  constructor(private readonly o: EdgeControlOptions) {
    observeIntoMetricsAndLog(this.events, o.metrics, o.logger);
  }

  /** True while the control plane's lease is valid, or when no control plane is configured. */
  leaseValid(): boolean {
    // Short-circuit first: without a control plane the hit path reads no clock for the lease.
    return !this.o.leaseRequired || leaseAllowsReuse(this.leaseUntilMonoMs, this.o.clock.monoMs());
  }

  /** A lease grant: reuse without revalidation is allowed for `leaseMs` from now (monotonic). */
  renewLease(leaseMs: number): void {
    const wasValid = this.leaseValid();
    const until = Math.max(this.leaseUntilMonoMs, this.o.clock.monoMs() + leaseMs);
    if (until === this.leaseUntilMonoMs) return;
    this.leaseUntilMonoMs = until;
    this.events.emit({ type: 'lease-changed', untilMonoMs: until, wasValid });
  }

  /** Applies one purge from the control plane to both stores; records it for the fill race. */
  applyPurge(record: PurgeRecord): void {
    const values = applyPurgeToStores(record, this.stores(), (host, target) => this.keyFor(host, target), this.o.clock.monoMs());
    this.purges.record({ seq: record.seq, kind: record.kind, values });
    this.events.emit({ type: 'purge-applied', seq: record.seq, id: record.id, kind: record.kind, appliedSeq: this.purges.appliedSeq });
  }

  /** The control plane says this edge is too far behind its log: drop everything up to `seq`. */
  flush(seq: number): void {
    for (const store of this.stores()) store.clear();
    this.purges.flushed(seq);
    mark('flush');
    this.events.emit({ type: 'flushed', upToSeq: seq, appliedSeq: this.purges.appliedSeq });
  }

  /** Installs a new ring membership (static config, the admin port or the control plane). */
  setMembers(members: readonly RingMember[]): void {
    if (this.o.cluster === undefined) throw new Error('setMembers on an edge without a cluster');
    const keysMoved = this.o.cluster.setMembers(members, this.o.store.keys());
    this.events.emit({ type: 'membership-installed', members, keysMoved });
  }

  /** The primary key of a URL named outside a request (a purge, a Location field); see primaryKey. */
  keyFor(host: string | undefined, target: string): string | undefined {
    return primaryKey(this.o.keyHost, host, target);
  }

  /** Removes every stored variant of a URL, hot copies included. */
  invalidate(host: string | undefined, target: string): boolean {
    const key = this.keyFor(host, target);
    // A URL no request could be stored under (one the edge answers 400) has nothing to remove.
    if (key === undefined) return false;
    return this.invalidateKey(key);
  }

  /** Removes every stored variant under a primary key (a peer's invalidation names the key itself). */
  invalidateKey(key: string): boolean {
    const removed = this.o.store.invalidate(key);
    const removedHot = this.o.hotStore?.invalidate(key) ?? false;
    return removed || removedHot;
  }

  /** Warm handoff: a new owner asks for a key; answer only from what is stored and fresh. */
  answerHandoff(key: string, found: Lookup, req: EdgeRequest, nowMs: number): EdgeResponse {
    // Without a valid lease this copy may be one a purge we missed was meant for: the new owner
    // goes to the origin instead, as this edge would itself.
    if (found.kind === 'match' && handoffMayServe(found.response, nowMs, this.leaseValid())) {
      this.o.metrics.ownerHits++;
      mark('handoff-answered');
      this.events.emit({ type: 'handoff-answered', key, served: true });
      return serveStored(found.response, req, nowMs, this.o.identity.cacheName, { kind: 'hit', hit: true, detail: 'handoff' });
    }
    const miss = errorResponse(this.o.identity, 504, 'handoff-miss', 'miss', 'pass');
    // Mid-change ourselves: name the edge we would take this key over from, for the asker to try.
    const next = this.o.cluster?.handoffPeer(key);
    if (next !== undefined && next.id !== req.headers[PEER_HEADER]) miss.headers = [...miss.headers, HANDOFF_NEXT_HEADER, next.id];
    this.events.emit({ type: 'handoff-answered', key, served: false });
    return miss;
  }

  /**
   * Graceful leave: pushes this edge's most recently used keys to their owners in the ring
   * without it, while its lease holds and `keepGoing` agrees (handover.ts has the rules).
   */
  handOver(limits: PushLimits, keepGoing: () => boolean): Promise<HandoverReport> {
    const cluster = this.o.cluster;
    const others = cluster?.members().filter((m) => m.id !== cluster.selfId) ?? [];
    // Keys under keyHost 'request' carry the client's Host, which a push does not restore.
    if (cluster === undefined || others.length === 0 || this.o.keyHost !== 'origin' || limits.maxKeys <= 0) {
      return Promise.resolve({ candidates: 0, pushed: 0, bytes: 0, refused: 0, skipped: 0, stoppedEarly: false });
    }
    const successors = new Ring(others);
    const { store, clock, identity } = this.o;
    // Taken up front: looking keys up below reorders the LRU list being walked.
    const keys = [...store.keys()].slice(0, limits.maxKeys);
    const read = (key: string): PushItem | 'skip' => {
      const nowMs = clock.monoMs();
      const found = store.lookup(key, {});
      // Copies of keys this edge does not own go too: one pushed here by an earlier leaver may
      // be the region's only copy if its owner never asked for it (the owner refuses what it has).
      if (found.kind !== 'match' || found.response.varyNames.length > 0 || !isFresh(found.response, nowMs)) return 'skip';
      const served = serveStored(found.response, { method: 'GET', target: key, headers: {} }, nowMs, identity.cacheName, { kind: 'hit', hit: true, detail: 'handover' });
      return { target: key, owner: successors.owner(key), served };
    };
    const items = function* (): Generator<PushItem | 'skip'> {
      for (const key of keys) yield read(key);
    };
    const result = pushAll(items(), {
      selfId: cluster.selfId,
      send: this.o.push,
      limits,
      keepGoing: () => this.leaseValid() && keepGoing(),
      sleep: (ms) => new Promise((resolve) => this.o.timers.after(ms, resolve)),
      reread: (item) => read(item.target),
    });
    return result.then((report) => {
      this.o.metrics.pushesSent += report.pushed;
      return report;
    });
  }

  private stores(): ResponseStore[] {
    return this.o.hotStore === undefined ? [this.o.store] : [this.o.store, this.o.hotStore];
  }
}

/** The edge's own subscribers: counters for /metrics and the lines the operators (and test:ha) read. */
function observeIntoMetricsAndLog(events: EdgeEvents, metrics: EdgeMetrics, logger: Logger): void {
  events.subscribe((event: EdgeEvent) => {
    switch (event.type) {
      case 'purge-applied':
        metrics.purgesApplied[event.kind]++;
        // One line per purge at debug: the fault test (npm run test:ha) checks order and uniqueness from it.
        logger.log('debug', 'purge applied', { seq: event.seq, id: event.id });
        return;
      case 'flushed':
        metrics.flushes++;
        logger.log('info', 'cache flushed', { upToSeq: event.upToSeq });
        return;
      case 'membership-installed':
        metrics.keysMoved += event.keysMoved;
        return;
      case 'lease-changed':
      case 'handoff-answered':
        return;
      default:
        throw new Error(`unhandled edge event ${String((event satisfies never as EdgeEvent).type)}`);
    }
  });
}
