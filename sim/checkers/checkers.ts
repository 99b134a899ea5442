/**
 * Invariants over a run's history. Each checker listens to the records as they happen and gives
 * a verdict at the end; every one can fail (test/sim/checkers.test.ts runs broken variants).
 *
 * - purge-safety: once a purge's receipt says complete, no client gets a version older than the
 *   one the purge was for.
 * - convergence (liveness): after faults stop, every live edge applies every purge within the
 *   bound; lag p50/p99/max over all (purge, edge) pairs.
 * - freshness: nothing is served as a fresh hit past its lifetime measured by true time from the
 *   latest origin answer for that version.
 * - origin-load: one edge never has two successful origin fetches of a key in flight at once
 *   (collapsing), unless one is a waiter's whose collapse wait bound had passed; fetches per
 *   (key, version) bounded by edges x (1 + start + membership faults), twice that for a version a
 *   purge announced (fills raced by the purge are refetched).
 * - routing: a peer request is never sent on to another owner (only to a previous owner's
 *   cache, for handoff); no edge asks itself; the live edges of a region agree on the ring at the end.
 * - local: cache bytes never above capacity; no truncated body served.
 */
import type { HistoryListener, HistoryRecord, RequestRecord } from '../history.js';

export type CheckerKind = 'correctness' | 'liveness';

export interface Verdict {
  name: string;
  kind: CheckerKind;
  ok: boolean;
  violations: number;
  /** The first few violations, one line each. */
  examples: string[];
  stats?: Record<string, number>;
}

export interface Checker extends HistoryListener {
  readonly name: string;
  verdict(): Verdict;
}

class Violations {
  count = 0;
  examples: string[] = [];
  add(line: string): void {
    this.count++;
    if (this.examples.length < 5) this.examples.push(line);
  }
}

const fmt = (t: number): string => `t=${(t / 1000).toFixed(3)}s`;

/** Where and when an answer was given, as a set key. Built only when needed: it prints a time. */
const answerAt = (r: RequestRecord): string => `${r.node}\u0000${r.key}\u0000${r.t}`;

/** The request arrived after the purge's floor completed and got an older version. */
const servedBelow = (r: RequestRecord, f: { t: number; version: number } | undefined): boolean => f !== undefined && r.arrivedMs > f.t && r.version! < f.version;

export class PurgeSafety implements Checker {
  readonly name = 'purge-safety';
  private readonly v = new Violations();
  /** key → [completion time, version] of hard purges completed so far, and of soft ones. */
  private readonly floor = new Map<string, { t: number; version: number; id: string }>();
  private readonly softFloor = new Map<string, { t: number; version: number; id: string }>();
  /** peer + asking edge + key -> the peer's latest answer was stale-if-error (relayed as a peer miss). */
  private readonly peerStaleIfError = new Map<string, boolean>();
  /**
   * asking edge + key -> the latest peer answer it got for the key, from any peer: when and whether
   * it was stale-if-error. An edge that applied a purge while its fill was in flight labels the
   * relay `purged-during-fill`, which no longer names the peer.
   */
  private readonly lastPeerAnswer = new Map<string, { t: number; staleIfError: boolean }>();
  /** edge + key + time of stale-if-error answers to clients (its own, or a peer's relayed). */
  private readonly staleIfErrorAnswers = new Set<string>();
  /**
   * Collapsed answers below only a soft purge's floor: fine if the writer's answer, recorded at
   * the same edge and instant (before or after the waiters'), was a stale-if-error one.
   */
  private readonly collapsedBelowSoft: Array<{ at: string; line: string }> = [];

  record(r: HistoryRecord): void {
    if (r.type === 'purge-complete') {
      const floors = r.soft === true ? this.softFloor : this.floor;
      const cur = floors.get(r.key);
      if (cur === undefined || r.version > cur.version) floors.set(r.key, { t: r.t, version: r.version, id: r.id });
      return;
    }
    if (r.type === 'request' && r.role === 'peer' && r.from !== undefined && this.softFloor.has(r.key)) {
      this.peerStaleIfError.set(`${r.node}\u0000${r.from}\u0000${r.key}`, r.kind === 'stale-if-error');
      this.lastPeerAnswer.set(`${r.from}\u0000${r.key}`, { t: r.t, staleIfError: r.kind === 'stale-if-error' });
    }
    if (r.type !== 'request' || r.role !== 'client' || r.version === undefined) return;
    const hard = this.floor.get(r.key);
    // A soft purge marks copies stale instead of removing them: serving one when the origin
    // fails, inside stale-if-error (RFC 5861 §4), is what soft purging is for.
    // Without a soft purge so far no answer can be stale-if-error for it (peerStaleIfError and
    // lastPeerAnswer fill only then): skip building lookup keys for every client answer.
    const staleIfError =
      this.softFloor.size > 0 &&
      (r.kind === 'stale-if-error' ||
        (r.detail?.startsWith('peer-') === true && this.peerStaleIfError.get(`${r.detail.slice(5)}\u0000${r.node}\u0000${r.key}`) === true) ||
        (r.detail === 'purged-during-fill' && this.relayedStaleIfError(r.node, r.key, r.arrivedMs)));
    if (staleIfError && this.softFloor.has(r.key)) this.staleIfErrorAnswers.add(answerAt(r));
    const soft = staleIfError ? undefined : this.softFloor.get(r.key);
    const f = servedBelow(r, hard) ? hard : servedBelow(r, soft) ? soft : undefined;
    if (f === undefined) return;
    const line = `${fmt(r.t)} ${r.node} served ${r.key} v${r.version} (${r.kind}${r.detail === undefined ? '' : ` ${r.detail}`}) after purge ${f.id} for v${f.version} completed at ${fmt(f.t)}`;
    if (f === soft && r.kind === 'collapsed') this.collapsedBelowSoft.push({ at: answerAt(r), line });
    else this.v.add(line);
  }

  /** The edge's latest peer answer for the key was stale-if-error and came after this request arrived (so it is this fill's). */
  private relayedStaleIfError(node: string, key: string, arrivedMs: number): boolean {
    const last = this.lastPeerAnswer.get(`${node}\u0000${key}`);
    return last !== undefined && last.staleIfError && last.t >= arrivedMs;
  }

  verdict(): Verdict {
    for (const c of this.collapsedBelowSoft.splice(0)) if (!this.staleIfErrorAnswers.has(c.at)) this.v.add(c.line);
    return { name: this.name, kind: 'correctness', ok: this.v.count === 0, violations: this.v.count, examples: this.v.examples };
  }
}

export class Convergence implements Checker {
  readonly name = 'convergence';
  private readonly v = new Violations();
  private readonly accepted: Array<{ seq: number; t: number; id: string }> = [];
  /** node → applied-seq history (time, cumulative seq), in order. */
  private readonly applied = new Map<string, Array<{ t: number; seq: number }>>();
  private readonly restartedAt = new Map<string, number>();
  /** Edges that joined after the start, and edges that left (gracefully) and when. */
  private readonly joined = new Set<string>();
  private readonly leftAt = new Map<string, number>();
  private endMs = 0;
  /** Every (purge, edge) apply lag behind the verdict's statistics, by apply time: the report charts these. */
  readonly lags: Array<{ t: number; node: string; lagMs: number }> = [];

  constructor(
    private readonly faultsEndMs: number,
    private readonly boundMs: number,
    private readonly edgeIds: readonly string[],
  ) {}

  record(r: HistoryRecord): void {
    this.endMs = Math.max(this.endMs, r.t);
    if (r.type === 'membership') {
      if (r.change === 'join') {
        this.joined.add(r.node);
        this.leftAt.delete(r.node);
      } else this.leftAt.set(r.node, r.t);
    } else if (r.type === 'purge-accepted') this.accepted.push({ seq: r.seq, t: r.t, id: r.id });
    else if (r.type === 'purge-applied') {
      let list = this.applied.get(r.node);
      if (list === undefined) this.applied.set(r.node, (list = []));
      list.push({ t: r.t, seq: r.seq });
    }
  }

  verdict(): Verdict {
    const lags: number[] = [];
    this.lags.length = 0;
    const edges = [...new Set([...this.edgeIds, ...this.joined])];
    for (const p of this.accepted) {
      for (const edge of edges) {
        // An edge that left is not expected to apply what came after it went.
        if (this.leftAt.has(edge)) continue;
        const hit = (this.applied.get(edge) ?? []).find((a) => a.t >= p.t && a.seq >= p.seq);
        // An edge that (re)started after the purge and caught up from lastSeq also counts.
        const deadline = Math.max(p.t, this.faultsEndMs) + this.boundMs;
        if (hit === undefined) {
          // A run that ended before the deadline proves nothing either way (settleMs < bound).
          if (this.edgeIds.length > 0 && this.applied.size > 0 && this.endMs >= deadline) this.v.add(`${edge} never applied purge ${p.id} (seq ${p.seq}, accepted ${fmt(p.t)})`);
          continue;
        }
        const lag = hit.t - p.t;
        lags.push(lag);
        this.lags.push({ t: hit.t, node: edge, lagMs: lag });
        if (hit.t > deadline) this.v.add(`${edge} applied purge ${p.id} at ${fmt(hit.t)}, after the bound (${fmt(deadline)})`);
      }
    }
    lags.sort((a, b) => a - b);
    const q = (p: number): number => (lags.length === 0 ? 0 : lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]!);
    return {
      name: this.name,
      kind: 'liveness',
      ok: this.v.count === 0,
      violations: this.v.count,
      examples: this.v.examples,
      stats: { purges: this.accepted.length, lagMsP50: q(0.5), lagMsP99: q(0.99), lagMsMax: lags.length === 0 ? 0 : lags[lags.length - 1]! },
    };
  }
}

export class Freshness implements Checker {
  readonly name = 'freshness';
  private readonly v = new Violations();
  /** key -> version -> the latest origin answer for it. Two levels rather than a joined key: every hit looks one up. */
  private readonly latest = new Map<string, Map<number, { t: number; lifetimeMs: number }>>();

  constructor(private readonly slackMs: number) {}

  record(r: HistoryRecord): void {
    if (r.type === 'origin') {
      if ((r.status === 200 || r.status === 304) && r.version !== undefined && r.lifetimeMs !== undefined) {
        let versions = this.latest.get(r.key);
        if (versions === undefined) this.latest.set(r.key, (versions = new Map()));
        versions.set(r.version, { t: r.t, lifetimeMs: r.lifetimeMs });
      }
      return;
    }
    if (r.type !== 'request' || r.kind !== 'hit' || r.version === undefined || r.detail === 'max-stale') return;
    const f = this.latest.get(r.key)?.get(r.version);
    if (f === undefined) return;
    const ageMs = r.arrivedMs - f.t;
    if (ageMs > f.lifetimeMs + this.slackMs) {
      this.v.add(`${fmt(r.t)} ${r.node} served ${r.key} v${r.version} as a fresh hit at true age ${(ageMs / 1000).toFixed(1)}s > lifetime ${f.lifetimeMs / 1000}s`);
    }
  }

  verdict(): Verdict {
    return { name: this.name, kind: 'correctness', ok: this.v.count === 0, violations: this.v.count, examples: this.v.examples };
  }
}

export class OriginLoad implements Checker {
  readonly name = 'origin-load';
  private readonly v = new Violations();
  /** edge -> target -> its latest successful origin fetch (two levels: every origin exchange looks one up). */
  private readonly lastSuccess = new Map<string, Map<string, { startMs: number; endMs: number }>>();
  private readonly perVersion = new Map<string, number>();
  /** key+version pairs that a purge announced: see the bound in verdict(). */
  private readonly purgedVersions = new Set<string>();
  /** Overlapping pairs, judged at the end: whether a waiter past its bound explains one is known only once it answers. */
  private readonly overlaps: Array<{ k: string; startsMs: [number, number]; line: string }> = [];
  /** node+key → requests that waited at least the collapse bound, as [arrived, answered]. */
  private readonly longWaits = new Map<string, Array<[number, number]>>();
  private membershipFaults = 0;
  private maxPerVersion = 0;
  private originRequests = 0;

  /**
   * `collapseWaitMs` is the edges' wait bound: a waiter still waiting when it passes fetches on
   * its own by design (edge/pipeline/collapse.ts), so its fetch may overlap the writer's.
   */
  constructor(
    private readonly edgeCount: number,
    private readonly collapseWaitMs: number,
  ) {}

  /** From the network: one edge's exchange with the origin ended. */
  fetchEnded(from: string, target: string, startMs: number, endMs: number, status: number | undefined): void {
    if (status !== 200 && status !== 304) return;
    let byTarget = this.lastSuccess.get(from);
    if (byTarget === undefined) this.lastSuccess.set(from, (byTarget = new Map()));
    const last = byTarget.get(target);
    if (last !== undefined && last.endMs > startMs) {
      this.overlaps.push({ k: `${from}\u0000${target}`, startsMs: [last.startMs, startMs], line: `${fmt(endMs)} ${from} had two origin fetches of ${target} in flight at once (started ${fmt(startMs)}, another ended ${fmt(last.endMs)})` });
    }
    if (last === undefined || endMs > last.endMs) byTarget.set(target, { startMs, endMs });
  }

  record(r: HistoryRecord): void {
    if (r.type === 'fault' && (r.kind === 'crash' || r.kind === 'restart' || r.kind === 'partition' || r.kind === 'join' || r.kind === 'leave')) this.membershipFaults++;
    if (r.type === 'purge-accepted') this.purgedVersions.add(`${r.key}\u0000${r.version}`);
    if (r.type === 'request' && r.t - r.arrivedMs >= this.minWaitMs()) {
      const k = `${r.node}\u0000${r.key}`;
      let list = this.longWaits.get(k);
      if (list === undefined) this.longWaits.set(k, (list = []));
      list.push([r.arrivedMs, r.t]);
    }
    if (r.type !== 'origin' || r.method !== 'GET') return;
    this.originRequests++;
    if (r.status !== 200 || r.version === undefined) return;
    const k = `${r.key}\u0000${r.version}`;
    const n = (this.perVersion.get(k) ?? 0) + 1;
    this.perVersion.set(k, n);
    if (n > this.maxPerVersion) this.maxPerVersion = n;
  }

  /**
   * Fetches allowed per key-version: one per edge, again after each membership fault. A version
   * published together with a purge may be fetched once more per edge: a fill that was in flight
   * when the purge landed is not stored (the edge cannot tell whether it left before or after the
   * new version was published), so the edge fetches again.
   */
  private boundFor(keyVersion: string): number {
    // Start-up counts like a restart: an edge drops what it filled before its first control-plane
    // stream opened (it may have missed a purge in between), so it may fetch once more.
    const starts = 1;
    return this.edgeCount * (1 + starts + this.membershipFaults) * (this.purgedVersions.has(keyVersion) ? 2 : 1);
  }

  /** The bound in true time on an edge whose monotonic clock runs fast by the most drift a scenario allows (10%). */
  private minWaitMs(): number {
    return this.collapseWaitMs / 1.1;
  }

  /** A request at that edge for that key had waited out the bound and was still unanswered when the fetch began. */
  private byWaiterPastBound(k: string, startMs: number): boolean {
    return (this.longWaits.get(k) ?? []).some(([arrivedMs, answeredMs]) => arrivedMs + this.minWaitMs() <= startMs && startMs <= answeredMs);
  }

  verdict(): Verdict {
    for (const o of this.overlaps) {
      if (!o.startsMs.some((s) => this.byWaiterPastBound(o.k, s))) this.v.add(o.line);
    }
    this.overlaps.length = 0;
    for (const [keyVersion, n] of this.perVersion) {
      const bound = this.boundFor(keyVersion);
      if (n > bound) this.v.add(`${keyVersion.replace('\u0000', ' v')} was fetched ${n} times; bound ${bound}`);
    }
    return { name: this.name, kind: 'correctness', ok: this.v.count === 0, violations: this.v.count, examples: this.v.examples, stats: { originRequests: this.originRequests, maxFetchesPerKeyVersion: this.maxPerVersion } };
  }
}

export class Routing implements Checker {
  readonly name = 'routing';
  private readonly v = new Violations();
  private readonly rings = new Map<string, Set<string>>();

  record(r: HistoryRecord): void {
    if (r.type === 'request' && r.role === 'peer') {
      if (r.from === r.node) this.v.add(`${fmt(r.t)} ${r.node} sent a peer request to itself`);
      // An owner may hand off a request a peer forwarded to it (the handoff hop is answered from
      // cache only, so it cannot go further); anything else from another peer is a second hop.
      if (r.detail !== undefined && r.detail.startsWith('peer-')) {
        this.v.add(`${fmt(r.t)} ${r.from} -> ${r.node} -> ${r.detail}: a peer request went on to another peer`);
      }
    } else if (r.type === 'ring') {
      let set = this.rings.get(r.region);
      if (set === undefined) this.rings.set(r.region, (set = new Set()));
      set.add(r.members);
    }
  }

  verdict(): Verdict {
    for (const [region, set] of this.rings) if (set.size > 1) this.v.add(`region ${region}: live edges disagree on the ring: ${[...set].join(' | ')}`);
    return { name: this.name, kind: 'correctness', ok: this.v.count === 0, violations: this.v.count, examples: this.v.examples };
  }
}

export class Local implements Checker {
  readonly name = 'local';
  private readonly v = new Violations();

  record(r: HistoryRecord): void {
    if (r.type === 'sample' && r.storeBytes > r.maxBytes) this.v.add(`${fmt(r.t)} ${r.node} holds ${r.storeBytes} bytes > capacity ${r.maxBytes}`);
    if (r.type === 'request' && r.truncated) this.v.add(`${fmt(r.t)} ${r.node} served ${r.key} truncated: ${r.bytes} of ${r.declaredBytes ?? '?'} bytes`);
  }

  verdict(): Verdict {
    return { name: this.name, kind: 'correctness', ok: this.v.count === 0, violations: this.v.count, examples: this.v.examples };
  }
}
