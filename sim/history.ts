/**
 * What happened in a run, as plain records: the simulator's one source for the checkers, the
 * trace (JSONL + hash), the summary and the plots. Records stream to listeners as they happen,
 * so an hour-long run never holds its history in memory.
 */
import { TraceFingerprint } from './trace-fingerprint.js';

/** One answer an edge gave, to a client or to a peer. Times are true (virtual) ms. */
export interface RequestRecord {
  type: 'request';
  t: number;
  /** When the request reached the edge. */
  arrivedMs: number;
  node: string;
  region: string;
  role: 'client' | 'peer';
  /** The peer that asked, for role 'peer'. */
  from?: string;
  key: string;
  method: string;
  status: number;
  kind: string;
  detail?: string;
  /** Object version in the body's headline; undefined for error bodies. */
  version?: number;
  bytes: number;
  /** Content-Length the answer declared, and whether the body delivered fewer bytes. */
  declaredBytes?: number;
  truncated: boolean;
  latencyMs: number;
  /** Content-Encoding of the answer when the edge sent it compressed (scenarios with edge.compress). */
  coding?: 'gzip' | 'br';
}

/** One exchange the origin answered (instrumentation and admin calls excluded). */
export interface OriginRecord {
  type: 'origin';
  t: number;
  from: string;
  key: string;
  method: string;
  status: number;
  version?: number;
  conditional: boolean;
  /** Freshness lifetime the answer granted (s-maxage or max-age). */
  lifetimeMs?: number;
}

export interface PurgeRecordEvent {
  type: 'purge-accepted' | 'purge-complete';
  t: number;
  id: string;
  seq: number;
  key: string;
  /** The version published just before the purge: older versions must not be served after completion. */
  version: number;
  /** A soft purge (present only then): older versions may still be served inside stale-if-error (RFC 5861 §4). */
  soft?: true;
}

export interface PurgeAppliedRecord {
  type: 'purge-applied';
  t: number;
  node: string;
  seq: number;
}

export interface FaultRecord {
  type: 'fault';
  t: number;
  kind: string;
  detail: string;
}

export interface SampleRecord {
  type: 'sample';
  t: number;
  node: string;
  storeBytes: number;
  maxBytes: number;
  up: boolean;
}

export interface RingRecord {
  type: 'ring';
  t: number;
  node: string;
  region: string;
  members: string;
}

/** An edge installed a new ring membership (from the control plane). */
export interface MembersRecord {
  type: 'members';
  t: number;
  node: string;
  members: string;
}

/**
 * A region's membership changed by a join or a graceful leave (a graceful restart is a leave,
 * then a join): the rings before and after, as member ids joined by commas.
 */
export interface MembershipRecord {
  type: 'membership';
  t: number;
  region: string;
  node: string;
  change: 'join' | 'leave';
  before: string;
  after: string;
}

/** What a leaving edge reported when its graceful leave ended (edge/leave.ts). */
export interface LeftRecord {
  type: 'left';
  t: number;
  node: string;
  pushed: number;
  refused: number;
  skipped: number;
  bytes: number;
  drained: boolean;
  removedFromRing: boolean;
}

/**
 * An edge's outlier detection changed its view of a peer (edge/routing/peer-health.ts): skipped as
 * suspect until `untilMs` (true ms), or cleared by an answer (`untilMs` = `t`). An observation of the
 * edge's state, not traffic: written to the trace but not hashed (History.observe).
 */
export interface SuspectRecord {
  type: 'suspect';
  t: number;
  node: string;
  peer: string;
  untilMs: number;
}

export type HistoryRecord =
  | RequestRecord
  | OriginRecord
  | PurgeRecordEvent
  | PurgeAppliedRecord
  | FaultRecord
  | SampleRecord
  | RingRecord
  | MembersRecord
  | MembershipRecord
  | LeftRecord
  | SuspectRecord;

export interface HistoryListener {
  record(rec: HistoryRecord): void;
}

export class History {
  private readonly listeners: HistoryListener[] = [];
  private readonly fingerprint = new TraceFingerprint();
  records = 0;

  /**
   * `traceLine` receives each line as its record is added, in order (an observation's too).
   * `hashed: false` leaves the trace hash out (traceHash() answers ''): only for the simulator
   * bench's info row that measures a run without its checks (sim/bench.ts).
   */
  constructor(
    private readonly traceLine?: (line: string) => void,
    private readonly hashed = true,
  ) {}

  listen(listener: HistoryListener): void {
    this.listeners.push(listener);
  }

  /** A record is plain data, never changed once added (it is hashed and written at once). */
  add(rec: HistoryRecord): void {
    this.records++;
    if (this.hashed) this.fingerprint.add(rec);
    this.traceLine?.(JSON.stringify(rec));
    for (const l of this.listeners) l.record(rec);
  }

  /**
   * An observation of an edge's internal state (SuspectRecord): written to the trace and given to
   * every listener like `add`, but left out of the trace hash. The hash fingerprints what the run
   * did (requests, fetches, purges, faults, rings), and a different suspicion shows there anyway;
   * so adding an observation does not change the library's recorded hashes.
   */
  observe(rec: SuspectRecord): void {
    this.records++;
    this.traceLine?.(JSON.stringify(rec));
    for (const l of this.listeners) l.record(rec);
  }

  /**
   * The run's fingerprint (sim/trace-fingerprint.ts): the same seed and options always give the
   * same value, and two runs share it exactly when they added the same records in the same order.
   */
  traceHash(): string {
    return this.hashed ? this.fingerprint.digest() : '';
  }
}
