/**
 * The purge log shared by several control-plane replicas through etcd (`--store etcd`).
 *
 * Keys under `prefix`:
 *   log-id               the one logId of this history, created by whichever replica came first
 *   format               `batch-keys/2`: the layout below; a log without it was written by an older build
 *   batched-last-seq     the highest committed seq, the key every append compares on
 *   batches/<16 digits>  one key per appended batch, named by its first seq (zero-padded so key order
 *                        is seq order), JSON `{ batch, purges: [{ record, idempotencyKey? }] }` with
 *                        consecutive seqs; batches follow each other with no gap
 *   leader               `{ replica, url }` of the leader replica, attached to its etcd lease
 *
 * One key per batch, not per purge: a transaction of 17 purges is one put, one bbolt entry and
 * one watch event per replica (per key was most of etcd's cost per append: PROTOCOL.md). Older
 * builds kept one `purges/<seq>` key per purge, compared on `last-seq`, and had no `format` key:
 * this build refuses such a log rather than misread it, and an older build finds no `last-seq` in
 * this one and refuses it too (PROTOCOL.md, "Store format").
 *
 * Appends: a follower forwards each purge to the leader replica (elected through an etcd lease;
 * `leader` holds its id and URL) and answers 202 with the leader's id and seq once etcd committed
 * it and the record is readable here (followers batch their forwards: forwarded-batch.ts). The
 * leader's appends wait in a queue; each transaction takes up to `maxBatchRecords` of them,
 * numbers them after the last-seq it expects, and commits them only if last-seq still holds that
 * value (compare-and-set on one key: gap-free, never reused). Up to `maxTxnsInFlight`
 * transactions are in flight at once, each comparing on the value its predecessor writes
 * (append-pipeline.ts). etcd answers only after a majority fsynced.
 *
 * The compare, not the leader, is what keeps seqs safe: a replica that cannot reach the leader
 * (it died; its key outlives it by up to the lease TTL) appends itself, and a leader that just
 * lost the role still appends what was forwarded to it. On a conflict the answer carries the
 * current last-seq and the batch is renumbered and retried. The leader only makes this fast: with
 * one writer, batches stop colliding (measured: 3 replicas each appending for themselves reached
 * a seventh of one replica's rate). A forward lost mid-request is answered 503, never guessed.
 * The leader also runs the housekeeping that must run once: deleting purges past retention and
 * compacting etcd's history.
 *
 * An append whose outcome is unknown (connection lost mid-request, etcd timed out) is retried with
 * the same numbering. The two attempts compare on the same last-seq, so at most one can commit;
 * if the earlier one did, the retry fails and its failure branch shows this batch's tag at the
 * first seq, which counts as committed. No purge is lost or written twice.
 *
 * Reading: every replica follows `batches/` with a watch from a revision into a RecordWindow (one
 * record per seq, so an edge resumes after any seq, also one inside a batch); a record becomes
 * readable once every seq before it has arrived. When the watch history was compacted, the replica
 * re-reads the keys (which outlive compaction), starting at the batch that holds the first seq it
 * lacks, and watches again; only purges deleted by retention can be missed, and then readers that
 * old get a flush. Retention deletes whole batches: up to a batch more than `retainCount` stays.
 */
import { Value } from '@sinclair/typebox/value';
import { purgeId, PurgeRecordSchema, type PurgeRecord, type PurgeRequest } from '../../common/control-protocol.js';
import type { Clock, Logger, TimerHandle, Timers } from '../../common/ports.js';
import { PurgeLogError, type PurgeLog } from '../purge-log.js';
import { prefixEnd, type EtcdKv, type KeyValue, type WatchHandle } from './etcd-kv.js';
import { AppendPipeline, type AppendCounters, type AttemptOutcome } from './append-pipeline.js';
import { RecordWindow } from './record-window.js';

export interface EtcdPurgeLogOptions {
  /** Every key of this log starts with it, e.g. `/edgeworks/default/`. */
  prefix: string;
  /** Names this replica in batch tags and the leader key. */
  replicaId: string;
  /** Random per process: tells this run's batch tags from an earlier run's under the same replicaId. */
  incarnation: string;
  /** Purges kept for replay (in memory and in etcd); older readers flush. */
  retainCount: number;
  /** Appends waiting beyond this are refused with `overloaded`. */
  maxPendingAppends: number;
  /**
   * Purges per transaction. They share one batch key, so etcd's --max-txn-ops (128) no longer
   * binds (maxBatchBytes does); config.ts still caps it at 127 from the one-key-per-purge layout,
   * until bigger batches are measured.
   */
  maxBatchRecords: number;
  /** Append transactions in flight at once (pipelining; see append-pipeline.ts); 1: one at a time. */
  maxTxnsInFlight: number;
  /** With one in flight, another transaction starts only once this many purges wait (else they wait to batch up). */
  pipelineMinRecords: number;
  /** Bytes of records per transaction; etcd refuses requests over --max-request-bytes (1.5 MiB). */
  maxBatchBytes: number;
  /** TTL of the leader's etcd lease; a dead leader is replaced after at most this long. */
  leaderTtlSeconds: number;
  /** How often the replica checks its watch against etcd and renews its lease. */
  checkIntervalMs: number;
  /** A watch behind etcd's last-seq for this long is restarted (a member cut off from the quorum). */
  watchStallMs: number;
  /** Leases are granted to edges only while the last check that found the watch caught up is this recent. */
  freshWithinMs: number;
  /** The leader compacts etcd's history to the revision it saw this long ago. */
  compactIntervalMs: number;
  /** Pause before retrying an etcd call that failed. */
  retryMs: number;
  /** Names a new log; used only by the replica that creates it. */
  newLogId: () => string;
}

export const ETCD_LOG_DEFAULTS = {
  maxBatchRecords: 100,
  maxTxnsInFlight: 4,
  // Measured on a loaded 2-core machine, 3 replicas at 64 in flight: launching every purge at
  // once (batches of 1) gave 460/s, one transaction at a time 680/s, 8-32 here 680-960/s (noisy).
  pipelineMinRecords: 16,
  maxBatchBytes: 1024 * 1024,
  leaderTtlSeconds: 3,
  checkIntervalMs: 500,
  watchStallMs: 3_000,
  freshWithinMs: 1_500,
  compactIntervalMs: 300_000,
  retryMs: 200,
} as const;

/** What came of handing a purge to the leader replica. */
export type ForwardResult =
  | { kind: 'accepted'; seq: number; id: string }
  /** Nothing reached the leader (connection refused): safe to append here instead. */
  | { kind: 'not-sent'; message: string }
  /** The leader may or may not have committed it (connection lost mid-request, or it refused). */
  | { kind: 'failed'; message: string };

export interface EtcdPurgeLogDeps {
  kv: EtcdKv;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /** Hands a purge to the replica at `leaderUrl` (POST /purges, marked as forwarded). Absent: every replica appends itself. */
  forward?: (leaderUrl: string, req: PurgeRequest, idempotencyKey: string | undefined) => Promise<ForwardResult>;
}

interface Pending {
  req: PurgeRequest;
  nowMs: number;
  idempotencyKey: string | undefined;
  resolve: (record: PurgeRecord) => void;
  reject: (err: Error) => void;
}

interface Committed {
  record: PurgeRecord;
  resolve: (record: PurgeRecord) => void;
}

interface LeaderInfo {
  replica: string;
  /** Tells a restarted replica from its predecessor, whose key lives on until its lease ends. */
  incarnation: string;
  /** Where the leader takes forwarded purges; '' while it has not said. */
  url: string;
}

/** The value of one `batches/<first seq>` key. */
interface StoredBatch {
  /** Tag of the append that wrote it: tells a retry whether its earlier attempt committed. */
  batch: string;
  purges: Array<{ record: PurgeRecord; idempotencyKey?: string }>;
}

/** The layout this build writes and reads (the `format` key). */
export const ETCD_LOG_FORMAT = 'batch-keys/2';

/** Largest number of batch keys read per range request while catching up (a batch is at most maxBatchBytes). */
const RANGE_PAGE = 16;

export function etcdKeys(prefix: string) {
  const batches = `${prefix}batches/`;
  return {
    logId: `${prefix}log-id`,
    format: `${prefix}format`,
    lastSeq: `${prefix}batched-last-seq`,
    leader: `${prefix}leader`,
    batches,
    batchesEnd: prefixEnd(batches),
    /** The key of the batch whose first seq is `seq`. */
    batch: (seq: number): string => `${batches}${String(seq).padStart(16, '0')}`,
    /** Just past the key of a batch starting at `seq`: the end of a range that includes it. */
    batchEndAt: (seq: number): string => `${batches}${String(seq).padStart(16, '0')}\0`,
  };
}

export class EtcdPurgeLog implements PurgeLog {
  private readonly keys: ReturnType<typeof etcdKeys>;
  private window: RecordWindow;
  /** Highest seq known to be committed in etcd (from this replica's commits and reads). */
  private committedSeq: number;
  private pending: Pending[] = [];
  /** Committed here, waiting until the window reaches them to resolve. */
  private committed: Committed[] = [];
  private readonly pipeline: AppendPipeline<Pending>;
  private batchCounter = 0;
  private watch: WatchHandle | undefined;
  private resyncing = false;
  private checkTimer: TimerHandle | undefined;
  private checking: Promise<void> | undefined;
  private confirmedAtMs = -Infinity;
  private behindSinceMs: number | undefined;
  private leaseId: string | undefined;
  private leader = false;
  /** The current leader as this replica last read it. */
  private leaderInfo: LeaderInfo | undefined;
  /** This replica's own URL for forwarded purges; it stands for leader only once it has one. */
  private advertisedUrl: string | undefined;
  private compactMark: { atMs: number; revision: number } | undefined;
  private lastCompactedRevision = 0;
  /** Purges through this seq were deleted by this replica while leader. */
  private deletedThrough = 0;
  private failure: PurgeLogError | undefined;
  private closed = false;
  private readonly listeners: Array<() => void> = [];
  /** Idempotency-Key → seq for purges read from etcd; bounded with the window (pruned as it moves). */
  private readonly idempotencyKeys = new Map<string, number>();
  private readonly idempotencyOrder: Array<[seq: number, key: string]> = [];
  /** Idempotency-Key → the append still waiting for etcd here; bounded by maxPendingAppends and the pipeline. */
  private readonly uncommittedKeys = new Map<string, { req: PurgeRequest; record: Promise<PurgeRecord> }>();

  private constructor(
    private readonly deps: EtcdPurgeLogDeps,
    private readonly options: EtcdPurgeLogOptions,
    private readonly id: string,
    private readonly wasResumed: boolean,
    lastSeq: number,
  ) {
    this.keys = etcdKeys(options.prefix);
    this.window = new RecordWindow(options.retainCount, Math.max(0, lastSeq - options.retainCount));
    this.committedSeq = lastSeq;
    this.pipeline = new AppendPipeline<Pending>(
      {
        timers: deps.timers,
        queued: () => this.pending.length,
        take: () => this.takeBatch(),
        send: (batch, afterSeq, tag) => this.sendBatch(batch, afterSeq, tag),
        committed: (batch, afterSeq) => this.onCommitted(batch, afterSeq),
        knownLastSeq: () => this.committedSeq,
        noteLastSeq: (seq) => void (this.committedSeq = Math.max(this.committedSeq, seq)),
        newTag: () => `${options.replicaId}.${options.incarnation}.${++this.batchCounter}`,
        reject: (batch, why) => {
          const err = why === 'corrupt' && this.failure !== undefined ? this.failure : closingError();
          for (const p of batch) p.reject(err);
        },
        corrupt: (message) => this.corrupt(`etcd: ${message}; refusing purges rather than reuse a seq`),
        chainChanged: () => this.settle(),
        onConflict: (afterSeq, etcdLastSeq) => this.deps.logger.log('debug', 'append compare failed; renumbering', { afterSeq, etcdLastSeq }),
      },
      { maxInFlight: options.maxTxnsInFlight, retryMs: options.retryMs, minRecordsWhileBusy: options.pipelineMinRecords },
    );
  }

  /**
   * Joins (or creates) the log in etcd, reads the retained purges and starts following. Retries
   * while etcd is unreachable, for at most `startTimeoutMs`.
   */
  static async open(deps: EtcdPurgeLogDeps, options: EtcdPurgeLogOptions, startTimeoutMs = 30_000): Promise<EtcdPurgeLog> {
    const keys = etcdKeys(options.prefix);
    const created = options.newLogId();
    const deadline = deps.clock.monoMs() + startTimeoutMs;
    let answer;
    for (;;) {
      try {
        answer = await deps.kv.txn(
          [{ key: keys.logId, target: 'createRevision', equals: 0 }],
          [{ put: { key: keys.logId, value: created } }, { put: { key: keys.format, value: ETCD_LOG_FORMAT } }, { put: { key: keys.lastSeq, value: '0' } }],
          [{ range: { key: keys.logId } }, { range: { key: keys.lastSeq } }, { range: { key: keys.format } }],
        );
        break;
      } catch (err) {
        if (deps.clock.monoMs() > deadline) throw new PurgeLogError('storage-failed', `etcd: could not open the purge log: ${(err as Error).message}`);
        deps.logger.log('warn', 'etcd not ready; retrying', { error: (err as Error).message });
        await sleep(deps.timers, options.retryMs);
      }
    }
    const logId = answer.succeeded ? created : answer.ranges[0]?.[0]?.value;
    if (logId === undefined || logId === '') throw new PurgeLogError('corrupt', `etcd: ${keys.logId} is empty; restore it or delete ${options.prefix} to start a new log`);
    const format = answer.succeeded ? ETCD_LOG_FORMAT : answer.ranges[2]?.[0]?.value;
    if (format !== ETCD_LOG_FORMAT) {
      const found = format === undefined ? 'no format key: one key per purge, written by a build before batch keys' : `format ${JSON.stringify(format)}`;
      throw new PurgeLogError('corrupt', `etcd: the purge log under ${options.prefix} has another layout (${found}); this build reads only ${ETCD_LOG_FORMAT}: see PROTOCOL.md, "Store format"`);
    }
    const lastSeq = answer.succeeded ? 0 : Number(answer.ranges[1]?.[0]?.value ?? 'NaN');
    if (!Number.isSafeInteger(lastSeq) || lastSeq < 0) throw new PurgeLogError('corrupt', `etcd: ${keys.lastSeq} is not a seq`);
    // Other replicas may have leased edges this one has not heard from: only a log this replica
    // just created is "new" for receipts.
    const log = new EtcdPurgeLog(deps, options, logId, !answer.succeeded, lastSeq);
    await log.catchUpAndWatch(deadline);
    log.scheduleCheck(0);
    return log;
  }

  /**
   * A follower hands the purge to the leader, so that one replica numbers every batch and batches
   * do not collide on last-seq; `forwarded` (a purge another replica handed here) and a leader
   * that cannot be reached make this replica append itself, which the compare keeps safe.
   */
  append(req: PurgeRequest, nowMs: number, idempotencyKey?: string, options: { forwarded?: boolean } = {}): Promise<PurgeRecord> {
    if (this.closed) return Promise.reject(new PurgeLogError('closed', 'the purge log is closed'));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const leaderUrl = this.leaderInfo?.url;
    if (options.forwarded !== true && !this.leader && this.deps.forward !== undefined && leaderUrl !== undefined && leaderUrl !== '') {
      return this.appendThroughLeader(leaderUrl, req, nowMs, idempotencyKey);
    }
    return this.appendHere(req, nowMs, idempotencyKey);
  }

  /**
   * The readable purge stored under this Idempotency-Key, from whichever replica took it. Only
   * committed purges are found (a concurrent retry still waiting for etcd is not): the leader
   * sees the key of every forwarded purge, so retries through any replica meet there.
   */
  byIdempotencyKey(key: string): { record: PurgeRecord; durable: Promise<PurgeRecord> } | undefined {
    const seq = this.idempotencyKeys.get(key);
    const record = seq === undefined ? undefined : this.window.get(seq);
    return record === undefined ? undefined : { record, durable: Promise.resolve(record) };
  }

  /** etcd keeps every acknowledged purge (a majority fsynced it): none is ever lost from this log. */
  lost(): boolean {
    return false;
  }

  healthy(): boolean {
    return this.failure === undefined && !this.closed;
  }

  /** The replica's URL for purges forwarded to it; until called, it does not stand for leader. */
  advertise(url: string): void {
    this.advertisedUrl = url;
  }

  private async appendThroughLeader(leaderUrl: string, req: PurgeRequest, nowMs: number, idempotencyKey: string | undefined): Promise<PurgeRecord> {
    const result = await this.deps.forward!(leaderUrl, req, idempotencyKey);
    switch (result.kind) {
      case 'accepted':
        this.committedSeq = Math.max(this.committedSeq, result.seq);
        // Answer once the record is readable here too, so GET /purges/:id on this replica finds it.
        return new Promise<PurgeRecord>((resolve) => {
          const fallback: PurgeRecord = { seq: result.seq, id: result.id, kind: req.kind, values: [...req.values], soft: req.soft, acceptedAtMs: nowMs };
          this.awaitSeq(fallback, resolve);
        });
      case 'not-sent':
        this.deps.logger.log('info', 'leader unreachable; appending here', { leader: leaderUrl, error: result.message });
        return this.appendHere(req, nowMs, idempotencyKey);
      case 'failed':
        throw new PurgeLogError('overloaded', `the leader replica did not confirm the purge (${result.message}); it may or may not be accepted, retry (purges are idempotent)`);
      default:
        throw new Error(`unhandled forward result ${String((result satisfies never) as unknown)}`);
    }
  }

  private appendHere(req: PurgeRequest, nowMs: number, idempotencyKey: string | undefined): Promise<PurgeRecord> {
    if (idempotencyKey !== undefined) {
      // A retry with the same key and body while the first is still on its way to etcd (two
      // replicas forwarded both here, the leader) gets the first one's seq and id.
      const first = this.uncommittedKeys.get(idempotencyKey);
      if (first !== undefined && sameRequest(first.req, req)) return first.record;
    }
    if (this.pending.length >= this.options.maxPendingAppends) {
      return Promise.reject(new PurgeLogError('overloaded', `${this.pending.length} purges are already waiting for etcd; retry shortly`));
    }
    const record = new Promise<PurgeRecord>((resolve, reject) => {
      this.pending.push({ req, nowMs, idempotencyKey, resolve, reject });
      this.pipeline.pumpSoon();
    });
    if (idempotencyKey !== undefined) {
      const entry = { req, record };
      this.uncommittedKeys.set(idempotencyKey, entry);
      // Once settled, the committed key is found through byIdempotencyKey (or the append failed).
      const forget = (): void => {
        if (this.uncommittedKeys.get(idempotencyKey) === entry) this.uncommittedKeys.delete(idempotencyKey);
      };
      record.then(forget, forget);
    }
    return record;
  }

  readAfter(seq: number, limit: number): PurgeRecord[] {
    return this.window.readAfter(seq, limit);
  }

  get(seq: number): PurgeRecord | undefined {
    return this.window.get(seq);
  }

  lastSeq(): number {
    return this.window.lastSeq();
  }

  oldestRetainedSeq(): number {
    return this.window.oldestSeq();
  }

  logId(): string {
    return this.id;
  }

  resumed(): boolean {
    return this.wasResumed;
  }

  /** Another replica may have committed more than this one has read yet. */
  mayLag(): boolean {
    return true;
  }

  /**
   * True when an edge that applied everything through `throughSeq` may be leased: this replica
   * has read that far, and recently confirmed its watch was level with etcd.
   */
  leaseSafe(throughSeq: number): boolean {
    return this.window.lastSeq() >= throughSeq && this.deps.clock.monoMs() - this.confirmedAtMs <= this.options.freshWithinMs;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** What this replica's append pipeline did (it appends as leader, or for itself when the leader is unreachable). */
  appendCounters(): AppendCounters {
    return this.pipeline.counters();
  }

  onDurable(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.checkTimer?.cancel();
    for (const p of this.pending.splice(0)) p.reject(closingError());
    await this.pipeline.close();
    await this.checking;
    this.watch?.cancel();
    // Hand the leader role over now rather than after the lease TTL.
    if (this.leaseId !== undefined) await this.deps.kv.leaseRevoke(this.leaseId).catch(() => undefined);
  }

  // ---- appending ----

  /**
   * One attempt to commit `batch` as seqs afterSeq+1 …: compare last-seq, put the records and the
   * new last-seq. The failure branch reads last-seq and the record at afterSeq+1, whose tag tells
   * whether an earlier attempt of this batch, whose answer was lost, committed.
   */
  private async sendBatch(batch: Pending[], afterSeq: number, tag: string): Promise<AttemptOutcome> {
    const records = numbered(batch, afterSeq);
    const stored: StoredBatch = {
      batch: tag,
      purges: records.map((record, i) => {
        const idempotencyKey = batch[i]!.idempotencyKey;
        return idempotencyKey === undefined ? { record } : { record, idempotencyKey };
      }),
    };
    let answer;
    try {
      answer = await this.deps.kv.txn(
        [{ key: this.keys.lastSeq, target: 'value', equals: String(afterSeq) }],
        [
          { put: { key: this.keys.batch(afterSeq + 1), value: JSON.stringify(stored) } },
          { put: { key: this.keys.lastSeq, value: String(afterSeq + records.length) } },
        ],
        [{ range: { key: this.keys.lastSeq } }, { range: { key: this.keys.batch(afterSeq + 1) } }],
      );
    } catch (err) {
      this.deps.logger.log('warn', 'etcd append failed; retrying with the same numbering', { error: (err as Error).message, purges: batch.length, afterSeq });
      return { kind: 'unknown', message: (err as Error).message };
    }
    if (answer.succeeded) return { kind: 'committed' };
    const found = decodeBatch(answer.ranges[1]?.[0]);
    if (found !== undefined && found.batch === tag) return { kind: 'committed' };
    const current = Number(answer.ranges[0]?.[0]?.value ?? 'NaN');
    if (!Number.isSafeInteger(current) || current < 0) {
      this.corrupt(`etcd: ${this.keys.lastSeq} holds ${answer.ranges[0]?.[0]?.value ?? 'nothing'}; refusing purges rather than reuse a seq`);
      return { kind: 'unknown', message: 'corrupt last-seq' };
    }
    return { kind: 'conflict', lastSeq: current };
  }

  private corrupt(message: string): void {
    this.fail(new PurgeLogError('corrupt', message));
  }

  private takeBatch(): Pending[] {
    let bytes = 0;
    let count = 0;
    for (const p of this.pending) {
      const size = 200 + p.req.values.reduce((sum, v) => sum + v.length + 3, 0);
      if (count > 0 && (count >= this.options.maxBatchRecords || bytes + size > this.options.maxBatchBytes)) break;
      bytes += size;
      count++;
    }
    return this.pending.splice(0, count);
  }

  /** Resolves with the record at `record.seq` once this replica can read it. */
  private awaitSeq(record: PurgeRecord, resolve: (record: PurgeRecord) => void): void {
    let at = this.committed.length;
    while (at > 0 && this.committed[at - 1]!.record.seq > record.seq) at--;
    this.committed.splice(at, 0, { record, resolve });
    this.settle();
  }

  private onCommitted(batch: Pending[], afterSeq: number): void {
    const records = numbered(batch, afterSeq);
    for (let i = 0; i < batch.length; i++) {
      const key = batch[i]!.idempotencyKey;
      if (key !== undefined) this.rememberKey(records[i]!.seq, key);
      this.awaitSeq(records[i]!, batch[i]!.resolve);
    }
    let moved = false;
    for (const record of records) moved = this.window.add(record) || moved;
    if (moved) this.advanced();
    else this.settle();
  }

  /** Answers appends whose records are now readable here. */
  private settle(): void {
    // Not past a seq an earlier batch of this leader may still commit as: acks go out in seq order.
    const last = Math.min(this.window.lastSeq(), this.pipeline.lowestOpenSeq() - 1);
    let done = 0;
    while (done < this.committed.length && this.committed[done]!.record.seq <= last) done++;
    for (const c of this.committed.splice(0, done)) c.resolve(this.window.get(c.record.seq) ?? c.record);
  }

  private advanced(): void {
    this.settle();
    for (const listener of this.listeners) listener();
  }

  private fail(err: PurgeLogError): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.deps.logger.log('error', 'purge log stopped', { error: err.message });
    for (const p of this.pending) p.reject(err);
    this.pending = [];
    this.pipeline.stop(err.message);
  }

  // ---- following ----

  /**
   * Reads every retained purge after what the window holds, then watches from that read's
   * revision. The first read starts at the batch holding the first missing seq, which may begin
   * before it (the window ignores seqs it has).
   */
  private async catchUpAndWatch(deadlineMs = Infinity): Promise<void> {
    this.watch?.cancel();
    this.watch = undefined;
    let firstRevision: number | undefined;
    let from = this.window.lastSeq() + 1;
    let first = true;
    for (;;) {
      let page;
      try {
        const start = first ? await this.batchKeyHolding(from) : this.keys.batch(from);
        page = await this.deps.kv.range(start, { rangeEnd: this.keys.batchesEnd, limit: RANGE_PAGE });
      } catch (err) {
        if (this.closed) return;
        if (this.deps.clock.monoMs() > deadlineMs) throw new PurgeLogError('storage-failed', `etcd: could not read the purge log: ${(err as Error).message}`);
        await sleep(this.deps.timers, this.options.retryMs);
        continue;
      }
      firstRevision ??= page.revision;
      const records = page.kvs.flatMap((kv) => this.decodeRecords(kv) ?? []);
      if (first && records.length > 0 && records[0]!.seq > from) {
        // Deleted by retention before this replica read them: readers that far back must flush.
        this.deps.logger.log('warn', 'purges missed while away were deleted by retention; older readers will flush', { from, firstFound: records[0]!.seq });
        this.window.restartAt(records[0]!.seq);
      }
      if (first && (records.at(-1)?.seq ?? 0) < from && from <= this.committedSeq) {
        // Everything this replica still needed was deleted by retention while it was away.
        this.window.restartAt(this.committedSeq + 1);
      }
      first = false;
      let moved = false;
      for (const record of records) moved = this.window.add(record) || moved;
      if (moved) this.advanced();
      if (!page.more || records.length === 0) break;
      from = records[records.length - 1]!.seq + 1;
    }
    if (this.closed) return;
    this.startWatch(firstRevision + 1);
  }

  /**
   * The key of the batch that holds `seq` (the last batch key at or below its own), or the key
   * `seq` would have when no batch starts at or before it.
   */
  private async batchKeyHolding(seq: number): Promise<string> {
    const below = await this.deps.kv.range(this.keys.batches, { rangeEnd: this.keys.batchEndAt(seq), limit: 1, descending: true });
    return below.kvs[0]?.key ?? this.keys.batch(seq);
  }

  private startWatch(fromRevision: number): void {
    this.watch = this.deps.kv.watch(
      this.keys.batches,
      this.keys.batchesEnd,
      fromRevision,
      (events) => {
        let moved = false;
        for (const event of events) {
          if (event.type !== 'put') continue; // deletes are retention; the window trims itself
          for (const record of this.decodeRecords(event.kv) ?? []) moved = this.window.add(record) || moved;
        }
        if (moved) this.advanced();
      },
      (end) => {
        this.watch = undefined;
        if (this.closed) return;
        this.deps.logger.log(end.kind === 'compacted' ? 'info' : 'warn', 'etcd watch ended; re-reading and watching again', end.kind === 'compacted' ? { compactRevision: end.compactRevision } : { error: end.message });
        this.resync();
      },
    );
  }

  private resync(): void {
    if (this.resyncing || this.closed) return;
    this.resyncing = true;
    this.deps.timers.after(this.options.retryMs, () => {
      void this.catchUpAndWatch().finally(() => {
        this.resyncing = false;
      });
    });
  }

  /** The records of one batch key, in seq order; undefined (and the log stops) when the key does not hold the batch it names. */
  private decodeRecords(kv: KeyValue): PurgeRecord[] | undefined {
    const stored = decodeBatch(kv);
    if (stored === undefined || this.keys.batch(stored.purges[0]!.record.seq) !== kv.key) {
      this.fail(new PurgeLogError('corrupt', `etcd: ${kv.key} does not hold the batch of purges its key names; refusing purges rather than skip one`));
      return undefined;
    }
    for (const { record, idempotencyKey } of stored.purges) if (typeof idempotencyKey === 'string') this.rememberKey(record.seq, idempotencyKey);
    return stored.purges.map((p) => p.record);
  }

  private rememberKey(seq: number, key: string): void {
    this.idempotencyKeys.set(key, seq);
    this.idempotencyOrder.push([seq, key]);
    const oldest = this.window.oldestSeq();
    while (this.idempotencyOrder.length > 0 && this.idempotencyOrder[0]![0] < oldest) {
      const [oldSeq, oldKey] = this.idempotencyOrder.shift()!;
      if (this.idempotencyKeys.get(oldKey) === oldSeq) this.idempotencyKeys.delete(oldKey);
    }
  }

  // ---- periodic check: freshness, leader lease, housekeeping ----

  private scheduleCheck(delayMs: number): void {
    this.checkTimer = this.deps.timers.after(delayMs, () => {
      this.checking = this.check().finally(() => {
        this.checking = undefined;
        if (!this.closed) this.scheduleCheck(this.options.checkIntervalMs);
      });
    });
  }

  private async check(): Promise<void> {
    const startedMs = this.deps.clock.monoMs();
    try {
      const answer = await this.deps.kv.range(this.keys.lastSeq);
      const etcdLast = Number(answer.kvs[0]?.value ?? '0');
      this.committedSeq = Math.max(this.committedSeq, etcdLast);
      if (this.window.lastSeq() >= etcdLast) {
        const wasFresh = startedMs - this.confirmedAtMs <= this.options.freshWithinMs;
        this.confirmedAtMs = startedMs;
        this.behindSinceMs = undefined;
        // Streams held their lease back while this replica was unconfirmed: let them send it now.
        if (!wasFresh) this.advanced();
      } else {
        this.behindSinceMs ??= startedMs;
        if (startedMs - this.behindSinceMs >= this.options.watchStallMs && this.watch !== undefined) {
          this.deps.logger.log('warn', 'etcd watch is behind; restarting it', { localSeq: this.window.lastSeq(), etcdSeq: etcdLast });
          this.behindSinceMs = undefined;
          this.watch.cancel();
          this.watch = undefined;
          this.resync();
        }
      }
      await this.leaderCheck(answer.revision);
    } catch (err) {
      this.deps.logger.log('debug', 'etcd check failed', { error: (err as Error).message });
    }
  }

  private async leaderCheck(revision: number): Promise<void> {
    const { kv } = this.deps;
    if (this.leaseId !== undefined && (await kv.leaseKeepAlive(this.leaseId)) <= 0) this.leaseId = undefined;
    this.leaseId ??= await kv.leaseGrant(this.options.leaderTtlSeconds);
    let holder: LeaderInfo | undefined;
    if (this.advertisedUrl === undefined) {
      holder = parseLeader((await kv.range(this.keys.leader)).kvs[0]?.value);
    } else {
      const mine: LeaderInfo = { replica: this.options.replicaId, incarnation: this.options.incarnation, url: this.advertisedUrl };
      const answer = await kv.txn(
        [{ key: this.keys.leader, target: 'createRevision', equals: 0 }],
        [{ put: { key: this.keys.leader, value: JSON.stringify(mine), lease: this.leaseId } }],
        [{ range: { key: this.keys.leader } }],
      );
      holder = answer.succeeded ? mine : parseLeader(answer.ranges[0]?.[0]?.value);
    }
    this.leaderInfo = holder;
    const leader = holder?.replica === this.options.replicaId && holder.incarnation === this.options.incarnation;
    if (leader !== this.leader) this.deps.logger.log('info', leader ? 'became the leader' : 'no longer the leader', { replica: this.options.replicaId, leader: holder?.replica ?? null });
    if (!leader) this.deletedThrough = 0;
    this.leader = leader;
    if (leader) await this.housekeep(revision);
  }

  /**
   * Leader only: deletes batches past retention and compacts history on a schedule. Only whole
   * batches go: the one holding the oldest retained seq stays, so up to a batch more than
   * `retainCount` is kept and no reader within retention flushes.
   */
  private async housekeep(revision: number): Promise<void> {
    const { kv, clock } = this.deps;
    const cut = this.committedSeq - this.options.retainCount;
    // Delete in steps of a tenth of retention, not after every purge; a new leader deletes once at once.
    if (cut > 0 && (this.deletedThrough === 0 || cut - this.deletedThrough >= Math.max(1, Math.floor(this.options.retainCount / 10)))) {
      const keep = await this.batchKeyHolding(cut + 1);
      await kv.txn([], [{ deleteRange: { key: this.keys.batches, rangeEnd: keep } }], []);
      this.deletedThrough = cut;
    }
    const nowMs = clock.monoMs();
    if (this.compactMark === undefined) {
      this.compactMark = { atMs: nowMs, revision };
    } else if (nowMs - this.compactMark.atMs >= this.options.compactIntervalMs) {
      // History younger than one interval stays, so a replica that was briefly away resumes its watch.
      if (this.compactMark.revision > this.lastCompactedRevision) {
        await kv.compact(this.compactMark.revision);
        this.lastCompactedRevision = this.compactMark.revision;
        this.deps.logger.log('info', 'etcd history compacted', { revision: this.compactMark.revision });
      }
      this.compactMark = { atMs: nowMs, revision };
    }
  }
}

function parseLeader(value: string | undefined): LeaderInfo | undefined {
  if (value === undefined) return undefined;
  try {
    const info = JSON.parse(value) as Partial<LeaderInfo>;
    if (typeof info.replica === 'string' && typeof info.incarnation === 'string' && typeof info.url === 'string') return { replica: info.replica, incarnation: info.incarnation, url: info.url };
  } catch {
    // Not ours: treated as no leader known.
  }
  return undefined;
}

function sameRequest(a: PurgeRequest, b: PurgeRequest): boolean {
  return a.kind === b.kind && a.soft === b.soft && a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
}

function closingError(): PurgeLogError {
  return new PurgeLogError('closed', 'the control plane is shutting down; the purge may or may not have been accepted, check its effect before retrying');
}

function numbered(batch: Pending[], afterSeq: number): PurgeRecord[] {
  return batch.map((p, i) => {
    const seq = afterSeq + 1 + i;
    return { seq, id: purgeId(seq, p.nowMs), kind: p.req.kind, values: [...p.req.values], soft: p.req.soft, acceptedAtMs: p.nowMs };
  });
}

/** A batch key's value when it is one: a tag and at least one purge, with consecutive seqs. */
function decodeBatch(kv: KeyValue | undefined): StoredBatch | undefined {
  if (kv === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(kv.value);
  } catch {
    return undefined;
  }
  const stored = value as Partial<StoredBatch> | null;
  if (stored === null || typeof stored !== 'object' || typeof stored.batch !== 'string' || !Array.isArray(stored.purges) || stored.purges.length === 0) return undefined;
  const purges = stored.purges as unknown[];
  for (let i = 0; i < purges.length; i++) {
    const entry = purges[i] as Partial<StoredBatch['purges'][number]> | null;
    if (entry === null || typeof entry !== 'object' || !Value.Check(PurgeRecordSchema, entry.record)) return undefined;
    if (entry.idempotencyKey !== undefined && typeof entry.idempotencyKey !== 'string') return undefined;
    if (i > 0 && entry.record.seq !== (purges[0] as StoredBatch['purges'][number]).record.seq + i) return undefined;
  }
  return stored as StoredBatch;
}

function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.after(ms, resolve));
}
