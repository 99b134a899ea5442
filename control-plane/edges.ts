/**
 * What the control plane knows about each edge: membership facts from heartbeats, the applied
 * sequence from acks, the lease it last granted and the times the edge was without one. Receipts
 * and health are derived from this; nothing here reads a clock (callers pass `nowMs`, wall time).
 *
 * Lease bookkeeping is deliberately pessimistic on the control plane's side: a lease granted at
 * `issuedAtMs` counts as held until `issuedAtMs + leaseMs + leaseGraceMs`. The edge measures
 * `leaseMs` from when the grant reached it, which is later than `issuedAtMs`, so the grace covers
 * delivery delay and clock-rate drift.
 *
 * With the etcd store, every grant is also handed to `onLeaseGranted` (shared-leases.ts publishes
 * it) and grants other replicas made come back through `leaseGrantedElsewhere`, so every replica
 * counts the same edges as leased and derives the same lease gaps for receipts.
 */
import { MAX_RING_MEMBERS } from '../common/ring-bounds.js';
import type { EdgeView, Health, LeaseEvent, Member, PurgeRecord, Receipt, ReceiptEdge, ReceiptState, RegionView } from '../common/control-protocol.js';
import { deriveEdgeHealth, deriveRegionHealth, type HealthThresholds } from './health.js';

export interface EdgeRegistrySettings {
  leaseMs: number;
  leaseGraceMs: number;
  health: HealthThresholds;
  /** An edge with no contact (heartbeat, ack or open stream) this long is forgotten. */
  forgetAfterMs: number;
  maxEdges: number;
  /** Per edge, how many ack times and lease gaps are kept for receipts. */
  historyLimit: number;
}

/** One grant, as replicas share it (etcd store). Wall-clock times of the granting replica. */
export interface LeaseGrant {
  edge: string;
  issuedAtMs: number;
  leaseUntilMs: number;
  /**
   * Start of the edge's unbroken run of leases as the granting replica knew it: the edge was
   * without a lease just before this moment (its first grant, or the first after a lapse).
   */
  heldSinceMs: number;
}

interface LeaseGap {
  fromMs: number;
  toMs: number;
}

interface EdgeRecord {
  id: string;
  region: string;
  url: string;
  weight: number;
  lastHeartbeatAtMs: number | undefined;
  lastContactAtMs: number;
  requestsPerSec: number;
  errorRate: number;
  appliedSeq: number;
  /** [appliedSeq, atMs] in rising seq: when the control plane learned each cumulative ack. */
  acks: Array<[seq: number, atMs: number]>;
  /** 0 until the first grant. */
  leaseUntilMs: number;
  /** Closed periods without a lease (the open one, if any, is derived from leaseUntilMs). */
  gaps: LeaseGap[];
  /** When the current unbroken run of leases began; 0 until the first grant. */
  heldSinceMs: number;
  firstSeenAtMs: number;
  streams: number;
  /** Draining before it exits (graceful leave): no longer a member, still leased and tracked. */
  leaving: boolean;
}

export type ReportResult = { ok: true; appliedSeq: number } | { ok: false; status: 409 | 503; message: string };

export class EdgeRegistry {
  private readonly edges = new Map<string, EdgeRecord>();

  constructor(
    private readonly settings: EdgeRegistrySettings,
    /** Every grant this registry makes (the etcd store shares them with the other replicas). */
    private readonly onLeaseGranted: (grant: LeaseGrant) => void = () => undefined,
  ) {}

  has(id: string): boolean {
    return this.edges.has(id);
  }

  hasHeartbeated(id: string): boolean {
    return this.edges.get(id)?.lastHeartbeatAtMs !== undefined;
  }

  /** Heartbeat: membership facts, load and a cumulative ack. */
  heartbeat(
    report: { edge: string; region: string; url: string; weight: number; appliedSeq: number; requestsPerSec: number; errorRate: number; leaving?: boolean },
    lastSeq: number,
    nowMs: number,
  ): ReportResult {
    // A ring has at most MAX_RING_MEMBERS members: refused before the edge is tracked.
    if (this.edges.get(report.edge)?.region !== report.region && this.regionSize(report.region) >= MAX_RING_MEMBERS) return this.regionFull(report.region);
    const edge = this.touch(report.edge, nowMs);
    if (edge === undefined) return this.full();
    edge.region = report.region;
    edge.url = report.url;
    edge.weight = report.weight;
    edge.requestsPerSec = report.requestsPerSec;
    edge.errorRate = report.errorRate;
    edge.leaving = report.leaving === true;
    edge.lastHeartbeatAtMs = nowMs;
    return this.applyAck(edge, report.appliedSeq, lastSeq, nowMs);
  }

  ack(edgeId: string, appliedSeq: number, lastSeq: number, nowMs: number): ReportResult {
    const edge = this.touch(edgeId, nowMs);
    if (edge === undefined) return this.full();
    return this.applyAck(edge, appliedSeq, lastSeq, nowMs);
  }

  /** A stream opened. `region`/`url` fill in membership before the first heartbeat when given. */
  streamOpened(edgeId: string, hints: { region?: string; url?: string }, nowMs: number): boolean {
    const edge = this.touch(edgeId, nowMs);
    if (edge === undefined) return false;
    // A stream's hint never makes an edge a member of a full region; its heartbeat is refused too.
    if (hints.region !== undefined && edge.region === '' && this.regionSize(hints.region) < MAX_RING_MEMBERS) edge.region = hints.region;
    if (hints.url !== undefined && edge.url === '') edge.url = hints.url;
    edge.streams++;
    return true;
  }

  streamClosed(edgeId: string, nowMs: number): void {
    const edge = this.edges.get(edgeId);
    if (edge === undefined) return;
    edge.streams = Math.max(0, edge.streams - 1);
    edge.lastContactAtMs = nowMs;
  }

  /**
   * An edge starting from empty (no `after`) has nothing older to purge: it
   * counts as having applied everything up to `seq`.
   */
  startFrom(edgeId: string, seq: number, nowMs: number): void {
    const edge = this.edges.get(edgeId);
    if (edge !== undefined && seq > edge.appliedSeq) this.recordAck(edge, seq, nowMs);
  }

  grantLease(edgeId: string, throughSeq: number, nowMs: number): LeaseEvent {
    const { leaseMs, leaseGraceMs } = this.settings;
    const edge = this.edges.get(edgeId);
    if (edge !== undefined) {
      const heldUntilMs = edge.leaseUntilMs === 0 ? -Infinity : edge.leaseUntilMs + leaseGraceMs;
      if (nowMs >= heldUntilMs) {
        this.addGap(edge, { fromMs: heldUntilMs === -Infinity ? edge.firstSeenAtMs : heldUntilMs, toMs: nowMs });
        edge.heldSinceMs = nowMs;
      }
      edge.leaseUntilMs = nowMs + leaseMs;
      edge.lastContactAtMs = nowMs;
      this.onLeaseGranted({ edge: edgeId, issuedAtMs: nowMs, leaseUntilMs: edge.leaseUntilMs, heldSinceMs: edge.heldSinceMs });
    }
    return { leaseUntilMs: nowMs + leaseMs, issuedAtMs: nowMs, leaseMs, throughSeq };
  }

  /**
   * A lease another replica granted (etcd store), counted as if granted here. An older grant than
   * the one known changes nothing. A later `heldSinceMs` than the one known means the edge was
   * without a lease just before it: the same gap the granting replica recorded, so receipts agree.
   * An edge not tracked yet becomes tracked (it holds a lease: a receipt must wait for it).
   */
  leaseGrantedElsewhere(grant: LeaseGrant, nowMs: number): void {
    const edge = this.touch(grant.edge, nowMs);
    if (edge === undefined || grant.leaseUntilMs <= edge.leaseUntilMs) return;
    if (grant.heldSinceMs > edge.heldSinceMs) {
      const fromMs = edge.leaseUntilMs === 0 ? edge.firstSeenAtMs : edge.leaseUntilMs + this.settings.leaseGraceMs;
      this.addGap(edge, { fromMs: Math.min(fromMs, grant.heldSinceMs), toMs: grant.heldSinceMs });
      edge.heldSinceMs = grant.heldSinceMs;
    }
    edge.leaseUntilMs = grant.leaseUntilMs;
  }

  private addGap(edge: EdgeRecord, gap: LeaseGap): void {
    edge.gaps.push(gap);
    if (edge.gaps.length > this.settings.historyLimit) edge.gaps.shift();
  }

  /** Drops edges nobody has heard from in `forgetAfterMs`; true when the membership changed. */
  forgetStale(nowMs: number): boolean {
    let changed = false;
    for (const [id, edge] of this.edges) {
      if (edge.streams === 0 && nowMs - edge.lastContactAtMs > this.settings.forgetAfterMs) {
        this.edges.delete(id);
        changed = true;
      }
    }
    return changed;
  }

  /** Members with a known URL that are not leaving, sorted by id so every edge builds the same ring. */
  members(nowMs: number): Member[] {
    const members: Member[] = [];
    for (const edge of this.sorted()) {
      if (edge.url === '' || edge.leaving) continue;
      members.push({ id: edge.id, url: edge.url, region: edge.region, weight: edge.weight, health: this.healthOf(edge, nowMs) });
    }
    return members;
  }

  views(lastSeq: number, nowMs: number): EdgeView[] {
    return this.sorted().map((edge) => ({
      id: edge.id,
      url: edge.url,
      region: edge.region,
      weight: edge.weight,
      health: this.healthOf(edge, nowMs),
      appliedSeq: edge.appliedSeq,
      lagSeqs: Math.max(0, lastSeq - edge.appliedSeq),
      ...(edge.lastHeartbeatAtMs === undefined ? {} : { lastHeartbeatAtMs: edge.lastHeartbeatAtMs }),
      requestsPerSec: edge.requestsPerSec,
      errorRate: edge.errorRate,
      streamConnected: edge.streams > 0,
      leaseUntilMs: edge.leaseUntilMs,
      leaseValid: this.leaseHeld(edge, nowMs),
    }));
  }

  regions(nowMs: number): RegionView[] {
    const byRegion = new Map<string, Health[]>();
    for (const edge of this.sorted()) {
      // Same population as members(): an edge without a URL cannot be routed to.
      if (edge.url === '') continue;
      const region = edge.region === '' ? 'unknown' : edge.region;
      let list = byRegion.get(region);
      if (list === undefined) byRegion.set(region, (list = []));
      list.push(this.healthOf(edge, nowMs));
    }
    return [...byRegion.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([region, healths]) => ({
        region,
        health: deriveRegionHealth(healths),
        members: healths.length,
        healthy: healths.filter((h) => h === 'healthy').length,
        degraded: healths.filter((h) => h === 'degraded').length,
        down: healths.filter((h) => h === 'down').length,
      }));
  }

  /**
   * The receipt of one purge. An edge is done when it applied the purge, or when it was without a
   * lease at some moment since the purge was accepted (it then had to stop serving unrevalidated
   * content, and cannot get a new lease before the stream has replayed the purge to it).
   * `uncertainUntilMs`: before this time, edges this process has not heard from yet may still hold
   * a lease granted by a previous run, so every purge, from that run or this one, stays pending.
   */
  receipt(record: PurgeRecord, nowMs: number, uncertainUntilMs: number): Receipt {
    const edges: ReceiptEdge[] = [];
    let allApplied = true;
    let allDone = true;
    for (const edge of this.sorted()) {
      const applied = edge.appliedSeq >= record.seq;
      const line: ReceiptEdge = { edge: edge.id, region: edge.region, applied, leaseExpired: false };
      if (applied) {
        const atMs = appliedAt(edge.acks, record.seq);
        if (atMs !== undefined) line.appliedAtMs = atMs;
      } else {
        allApplied = false;
        line.leaseExpired = this.lapsedSince(edge, record.acceptedAtMs, nowMs);
        if (!line.leaseExpired) allDone = false;
      }
      edges.push(line);
    }
    // Just after a restart this process does not know every edge the previous one leased: one
    // that has not reconnected yet is missing from the list, not done. Until every lease the
    // previous process could have granted has run out, no receipt is complete, old or new.
    if (nowMs < uncertainUntilMs) allDone = false;
    const state: ReceiptState = !allDone ? 'pending' : allApplied ? 'complete' : 'complete-with-expired-leases';
    return { id: record.id, seq: record.seq, kind: record.kind, values: record.values, soft: record.soft, acceptedAtMs: record.acceptedAtMs, state, edges };
  }

  private lapsedSince(edge: EdgeRecord, sinceMs: number, nowMs: number): boolean {
    if (!this.leaseHeld(edge, nowMs)) return true;
    // A gap that ended in the very millisecond of acceptance may have ended just before it: not enough.
    return edge.gaps.some((gap) => gap.toMs > sinceMs);
  }

  private leaseHeld(edge: EdgeRecord, nowMs: number): boolean {
    return edge.leaseUntilMs !== 0 && nowMs < edge.leaseUntilMs + this.settings.leaseGraceMs;
  }

  private healthOf(edge: EdgeRecord, nowMs: number): Health {
    return deriveEdgeHealth({ nowMs, lastHeartbeatAtMs: edge.lastHeartbeatAtMs, errorRate: edge.errorRate, requestsPerSec: edge.requestsPerSec }, this.settings.health);
  }

  private applyAck(edge: EdgeRecord, appliedSeq: number, lastSeq: number, nowMs: number): ReportResult {
    if (appliedSeq > lastSeq) {
      return { ok: false, status: 409, message: `appliedSeq: ${appliedSeq} is ahead of the log (last seq ${lastSeq}); reconnect the stream to resync` };
    }
    if (appliedSeq > edge.appliedSeq) this.recordAck(edge, appliedSeq, nowMs);
    return { ok: true, appliedSeq: edge.appliedSeq };
  }

  private recordAck(edge: EdgeRecord, seq: number, nowMs: number): void {
    edge.appliedSeq = seq;
    const last = edge.acks[edge.acks.length - 1];
    // Acks in the same millisecond say the same thing about appliedAtMs; keep one entry.
    if (last !== undefined && last[1] === nowMs) last[0] = seq;
    else edge.acks.push([seq, nowMs]);
    if (edge.acks.length > this.settings.historyLimit) edge.acks.shift();
  }

  private touch(id: string, nowMs: number): EdgeRecord | undefined {
    let edge = this.edges.get(id);
    if (edge === undefined) {
      if (this.edges.size >= this.settings.maxEdges) return undefined;
      edge = {
        id,
        region: '',
        url: '',
        weight: 1,
        lastHeartbeatAtMs: undefined,
        lastContactAtMs: nowMs,
        requestsPerSec: 0,
        errorRate: 0,
        appliedSeq: 0,
        acks: [],
        leaseUntilMs: 0,
        gaps: [],
        heldSinceMs: 0,
        firstSeenAtMs: nowMs,
        streams: 0,
        leaving: false,
      };
      this.edges.set(id, edge);
    }
    edge.lastContactAtMs = nowMs;
    return edge;
  }

  /** Edges tracked in a region (members once they have a URL). */
  private regionSize(region: string): number {
    let n = 0;
    for (const edge of this.edges.values()) if (edge.region === region) n++;
    return n;
  }

  private regionFull(region: string): ReportResult {
    return { ok: false, status: 503, message: `region ${region} already has ${MAX_RING_MEMBERS} edges, the most one ring may have` };
  }

  private full(): ReportResult {
    return { ok: false, status: 503, message: `already tracking ${this.settings.maxEdges} edges (limits.maxEdges)` };
  }

  private sorted(): EdgeRecord[] {
    return [...this.edges.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** When the first cumulative ack covering `seq` arrived; undefined when that history was dropped. */
function appliedAt(acks: ReadonlyArray<[number, number]>, seq: number): number | undefined {
  let lo = 0;
  let hi = acks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (acks[mid]![0] >= seq) hi = mid;
    else lo = mid + 1;
  }
  if (lo === acks.length) return undefined;
  // If the history was trimmed, the oldest kept ack may be later than the real one: still an upper bound.
  return acks[lo]![1];
}
