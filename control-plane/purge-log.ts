/**
 * The ordered, durable purge log. Sequence numbers are dense (1, 2, 3, ...); a record becomes
 * readable, and its `append` resolves, only once it is durable in the LogStorage, so nothing an
 * edge or an operator has seen can be lost by a restart.
 *
 * Group commit: appends that arrive while a write+sync is in flight wait for the next one and go
 * to storage together, one sync per batch, so throughput is bounded by sync latency times batch
 * size rather than by sync latency alone.
 *
 * A seq is never handed out twice. With each batch the storage durably records a high-water mark
 * (the batch's last seq) where losing the log's tail cannot reach it (the file's first bytes),
 * and `append` resolves only when both are on disk.
 * When a restart finds fewer records than the mark (the log's tail was lost to a crash, a cut or
 * damage), acknowledged purges may be missing, so the log starts over under a new logId after the
 * mark: edges that resume with the old logId are told to flush, and the lost purges' receipts
 * answer 410, never `complete`.
 *
 * On-disk format: see log/stored-log.ts and log/frames.ts. Retention is by count: memory holds
 * the newest `retainCount` records, and the file is rewritten with just those once it holds twice
 * as many (compaction).
 */
import { mark } from '../common/coverage-marks.js';
import { purgeId, type PurgeRecord, type PurgeRequest } from '../common/control-protocol.js';
import type { DroppedTail } from './log/frames.js';
import { encodeLog, encodePurge, parseStoredLog, type LogHeader, type StoredPurge } from './log/stored-log.js';

export interface PurgeLog {
  /**
   * Assigns the next seq; resolves once the record is durable. Rejects with PurgeLogError.
   * `idempotencyKey` is stored with the record so `byIdempotencyKey` finds it after a restart.
   */
  append(req: PurgeRequest, nowMs: number, idempotencyKey?: string, options?: { forwarded?: boolean }): Promise<PurgeRecord>;
  /** The retained (or still pending) purge stored under this key; `durable` resolves when it is on disk. */
  byIdempotencyKey(key: string): { record: PurgeRecord; durable: Promise<PurgeRecord> } | undefined;
  /** Durable records with seq > `seq`, oldest first, at most `limit`. */
  readAfter(seq: number, limit: number): PurgeRecord[];
  /** The record with this seq while it is retained. */
  get(seq: number): PurgeRecord | undefined;
  /** True when this seq's purge was lost from the log (a crash or damage cut it after it was acknowledged). */
  lost(seq: number): boolean;
  /** Highest durable seq; 0 when nothing was ever appended. */
  lastSeq(): number;
  /** Lowest seq still retained; lastSeq() + 1 when nothing is retained. */
  oldestRetainedSeq(): number;
  /** Identity of this log's history: fixed when the log was created, new when its tail was lost. */
  logId(): string;
  /** True when this log was reopened from an earlier run's storage (a restart), false when new. */
  resumed(): boolean;
  /** False once a storage failure stopped appends (readiness). */
  healthy(): boolean;
  /** Called after each batch becomes durable (and readable). */
  onDurable(listener: () => void): void;
  /** Waits for in-flight appends, then releases the storage. */
  close(): Promise<void>;
  /**
   * Replicated logs (etcd store) only: true when other writers may have committed seqs this
   * replica has not read yet, so an edge `after` lastSeq() is not necessarily from another history.
   */
  mayLag?(): boolean;
  /** Replicated logs only: false while a lease through `throughSeq` would come from a replica that is behind. */
  leaseSafe?(throughSeq: number): boolean;
}

/** Where the log's bytes live: a file in production, memory in tests and the simulator. */
export interface LogStorage {
  /** Everything stored so far; empty for a new log. */
  read(): Promise<Uint8Array>;
  /**
   * Appends the bytes and resolves only when they are durable (write + fsync). With `highWaterSeq`
   * the high-water mark is recorded in the same sync (the file storage keeps it in the log file's
   * first bytes, which a cut tail never reaches, so one fsync covers both).
   */
  appendDurably(bytes: Uint8Array, highWaterSeq?: number): Promise<void>;
  /** Replaces the whole content atomically and durably (write temp, fsync, rename, fsync dir). */
  replaceDurably(bytes: Uint8Array): Promise<void>;
  /** The highest seq ever given to writeHighWater; undefined when none was (a new or format 1 log). */
  readHighWater(): Promise<number | undefined>;
  /** Durably records, apart from the records, that seqs up to `seq` may have been acknowledged. */
  writeHighWater(seq: number): Promise<void>;
  /** Bytes before what read() returns in the underlying file, so damage offsets name file offsets. */
  readonly prefixBytes: number;
  close(): Promise<void>;
}

/** What opening the log found and did, for the one line the binary logs. */
export interface OpenReport {
  /** The stored format when it was not today's (it has been rewritten in today's). */
  migratedFromFormat: 1 | undefined;
  /** A torn or corrupted last record (or junk after the last one) that was left out. */
  dropped: DroppedTail | undefined;
  /** Set when acknowledged purges may be missing and the log started over under a new id. */
  newLog: { previousLogId: string | undefined; lastSeqFound: number; highWaterSeq: number } | undefined;
}

export type PurgeLogErrorCode = 'overloaded' | 'storage-failed' | 'closed' | 'corrupt';

/** An operational failure of the log; `code` says what the caller can do about it. */
export class PurgeLogError extends Error {
  constructor(
    readonly code: PurgeLogErrorCode,
    message: string,
    /** For `corrupt`: the byte offset of the first damage. */
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'PurgeLogError';
  }
}

export interface PurgeLogOptions {
  /** Records kept for replay to edges that reconnect; older ones make an edge flush. */
  retainCount: number;
  /** Appends waiting for the next sync beyond this are refused with `overloaded`. */
  maxPendingAppends: number;
  /** Names a new log: when the storage is empty, or when acknowledged records were lost. */
  newLogId: () => string;
}

interface Pending {
  stored: StoredPurge;
  resolve: (record: PurgeRecord) => void;
  reject: (err: Error) => void;
}

interface KeyedPurge {
  record: PurgeRecord;
  durable: Promise<PurgeRecord>;
}

export class DurablePurgeLog implements PurgeLog {
  private readonly retained: StoredPurge[];
  /** Index in `retained` of the oldest live record; the prefix before it is garbage. */
  private head = 0;
  private durableSeq: number;
  private assignedSeq: number;
  private recordsInFile: number;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failure: PurgeLogError | undefined;
  private closed = false;
  private readonly listeners: Array<() => void> = [];
  /** Idempotency keys of retained and pending purges (bounded by retention). */
  private readonly keys = new Map<string, KeyedPurge>();

  private constructor(
    private readonly storage: LogStorage,
    private readonly options: PurgeLogOptions,
    private readonly header: LogHeader,
    records: StoredPurge[],
    private readonly wasResumed: boolean,
    readonly report: OpenReport,
  ) {
    if (options.retainCount < 1) throw new Error('retainCount must be at least 1');
    this.retained = records.slice(-options.retainCount);
    const lastSeq = records[records.length - 1]?.record.seq ?? header.afterSeq;
    this.durableSeq = lastSeq;
    this.assignedSeq = lastSeq;
    this.recordsInFile = records.length;
    for (const stored of this.retained) this.remember(stored, Promise.resolve(stored.record));
  }

  /**
   * Replays the storage and returns a log ready for appends. A torn or corrupted last record is
   * left out (see `report`); damage before it rejects with PurgeLogError `corrupt`.
   */
  static async open(storage: LogStorage, options: PurgeLogOptions): Promise<DurablePurgeLog> {
    const parsed = parseStoredLog(await storage.read());
    const highWater = await storage.readHighWater();
    if (parsed.kind === 'damaged') {
      throw new PurgeLogError(
        'corrupt',
        `purge log damaged at byte offset ${parsed.offset + storage.prefixBytes} (${parsed.reason}) with whole records after it; refusing to start rather than lose or reorder purges`,
        parsed.offset + storage.prefixBytes,
      );
    }
    const found = parsed.kind === 'empty' ? undefined : parsed;
    const header = found?.header;
    const records = found?.records ?? [];
    const lastSeqFound = records[records.length - 1]?.record.seq ?? header?.afterSeq ?? 0;
    const markSeq = Math.max(highWater ?? 0, lastSeqFound);
    const dropped = found?.dropped === undefined ? undefined : { ...found.dropped, offset: found.dropped.offset + storage.prefixBytes };
    const report: OpenReport = { migratedFromFormat: found?.format === 1 ? 1 : undefined, dropped, newLog: undefined };
    if (dropped !== undefined) mark('log-torn-tail-repaired');

    // Fewer records than were acknowledged, or a tail we cannot vouch for in a log without a mark:
    // start over after every seq that may have been handed out.
    // (A format 1 log has no mark: a dropped tail there may have been acknowledged, so skip past it.)
    const lost = markSeq > lastSeqFound || (highWater === undefined && header !== undefined && found?.dropped !== undefined);
    if (lost && found !== undefined) {
      const throughSeq = highWater === undefined && found.dropped !== undefined ? lastSeqFound + 1 : markSeq;
      report.newLog = { previousLogId: header?.logId, lastSeqFound, highWaterSeq: throughSeq };
      // Records that survived stay readable (their receipts still answer); the lost seqs become
      // placeholders so seqs stay dense. Every stream under the new id starts at or after
      // throughSeq (edges resuming the old id flush), so no placeholder is ever sent. A gap
      // larger than retention is not worth filling: the new log starts empty after it.
      const gap = throughSeq - lastSeqFound;
      const kept = header !== undefined && gap <= options.retainCount ? records : [];
      const placeholders: StoredPurge[] = [];
      if (kept.length > 0) {
        for (let seq = lastSeqFound + 1; seq <= throughSeq; seq++) placeholders.push({ record: { seq, id: `p${seq}-lost`, kind: 'all', values: [], soft: false, acceptedAtMs: 0 }, lost: true });
      }
      const fresh: LogHeader = { logId: options.newLogId(), afterSeq: kept.length > 0 ? header!.afterSeq : throughSeq };
      const all = [...kept, ...placeholders];
      await storage.replaceDurably(encodeLog(fresh, all));
      await storage.writeHighWater(throughSeq);
      return new DurablePurgeLog(storage, options, fresh, all, true, report);
    }
    if (found === undefined || header === undefined) {
      const fresh: LogHeader = { logId: options.newLogId(), afterSeq: markSeq };
      await storage.replaceDurably(encodeLog(fresh, []));
      if (highWater === undefined) await storage.writeHighWater(markSeq);
      return new DurablePurgeLog(storage, options, fresh, [], false, report);
    }
    const log = new DurablePurgeLog(storage, options, header, records, true, report);
    // A torn tail must go before anything is appended after it, or the next record would be glued on.
    if (found.needsRewrite) await log.rewrite();
    if (highWater === undefined || highWater < lastSeqFound) await storage.writeHighWater(lastSeqFound);
    return log;
  }

  append(req: PurgeRequest, nowMs: number, idempotencyKey?: string): Promise<PurgeRecord> {
    if (this.closed) return Promise.reject(new PurgeLogError('closed', 'the purge log is closed'));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending.length >= this.options.maxPendingAppends) {
      return Promise.reject(new PurgeLogError('overloaded', `${this.pending.length} purges are already waiting for the disk; retry shortly`));
    }
    const seq = ++this.assignedSeq;
    const record: PurgeRecord = { seq, id: purgeId(seq, nowMs), kind: req.kind, values: [...req.values], soft: req.soft, acceptedAtMs: nowMs };
    const stored: StoredPurge = idempotencyKey === undefined ? { record } : { record, idempotencyKey };
    const durable = new Promise<PurgeRecord>((resolve, reject) => {
      this.pending.push({ stored, resolve, reject });
      if (this.flushing === undefined) this.flushing = this.flushLoop();
    });
    if (idempotencyKey !== undefined) {
      this.remember(stored, durable);
      durable.catch(() => {
        if (this.keys.get(idempotencyKey)?.record === record) this.keys.delete(idempotencyKey);
      });
    }
    return durable;
  }

  byIdempotencyKey(key: string): KeyedPurge | undefined {
    return this.keys.get(key);
  }

  readAfter(seq: number, limit: number): PurgeRecord[] {
    const oldest = this.oldestRetainedSeq();
    const from = Math.max(seq + 1, oldest);
    if (from > this.durableSeq || limit <= 0) return [];
    const start = this.head + (from - oldest);
    const end = Math.min(start + limit, this.retained.length);
    const out: PurgeRecord[] = [];
    for (let i = start; i < end; i++) out.push(this.retained[i]!.record);
    return out;
  }

  get(seq: number): PurgeRecord | undefined {
    const oldest = this.oldestRetainedSeq();
    if (seq < oldest || seq > this.durableSeq) return undefined;
    return this.retained[this.head + (seq - oldest)]?.record;
  }

  lost(seq: number): boolean {
    const oldest = this.oldestRetainedSeq();
    if (seq < oldest || seq > this.durableSeq) return false;
    return this.retained[this.head + (seq - oldest)]?.lost === true;
  }

  lastSeq(): number {
    return this.durableSeq;
  }

  oldestRetainedSeq(): number {
    const first = this.retained[this.head];
    return first === undefined ? this.durableSeq + 1 : first.record.seq;
  }

  logId(): string {
    return this.header.logId;
  }

  resumed(): boolean {
    return this.wasResumed;
  }

  healthy(): boolean {
    return this.failure === undefined && !this.closed;
  }

  onDurable(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.storage.close();
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const bytes = batch.length === 1 ? encodePurge(batch[0]!.stored) : Buffer.concat(batch.map((p) => encodePurge(p.stored)));
      const lastSeq = batch[batch.length - 1]!.stored.record.seq;
      try {
        // The mark goes with the records, in one sync: the batch is acknowledged only when both are durable.
        await this.storage.appendDurably(bytes, lastSeq);
      } catch (err) {
        this.fail(err, batch);
        return;
      }
      for (const p of batch) this.retain(p.stored);
      this.durableSeq = lastSeq;
      this.recordsInFile += batch.length;
      for (const p of batch) p.resolve(p.stored.record);
      for (const listener of this.listeners) listener();
      if (this.recordsInFile >= 2 * this.options.retainCount) {
        try {
          await this.rewrite();
        } catch (err) {
          this.fail(err, []);
          return;
        }
      }
    }
    this.flushing = undefined;
  }

  /**
   * After a failed sync the file's state is unknown (fsync errors are not retryable on Linux), so
   * the log refuses everything until a restart replays what actually reached the disk.
   */
  private fail(err: unknown, batch: Pending[]): void {
    mark('log-fsync-failed');
    this.failure = new PurgeLogError('storage-failed', `purge log storage failed, restart the control plane: ${(err as Error).message}`);
    for (const p of [...batch, ...this.pending]) p.reject(this.failure);
    this.pending = [];
    this.flushing = undefined;
  }

  private remember(stored: StoredPurge, durable: Promise<PurgeRecord>): void {
    if (stored.idempotencyKey !== undefined) this.keys.set(stored.idempotencyKey, { record: stored.record, durable });
  }

  private retain(stored: StoredPurge): void {
    this.retained.push(stored);
    if (this.retained.length - this.head > this.options.retainCount) {
      const evicted = this.retained[this.head++]!;
      const key = evicted.idempotencyKey;
      if (key !== undefined && this.keys.get(key)?.record === evicted.record) this.keys.delete(key);
    }
    // Drop the dead prefix now and then so the array does not grow without bound.
    if (this.head >= this.options.retainCount && this.head >= 1024) {
      this.retained.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Compaction and torn-tail repair: the file becomes header + retained records. */
  private async rewrite(): Promise<void> {
    const live = this.retained.slice(this.head);
    const afterSeq = live.length === 0 ? this.durableSeq : live[0]!.record.seq - 1;
    await this.storage.replaceDurably(encodeLog({ logId: this.header.logId, afterSeq }, live));
    this.recordsInFile = live.length;
  }
}

/**
 * LogStorage in memory. `durable` is what survives a crash; `syncs` counts durable appends, so
 * tests can see group commit. `gate`, when set, holds every sync until the test releases it.
 */
export class MemoryLogStorage implements LogStorage {
  /** Appended chunks, joined only when read: the simulator appends thousands of small batches. */
  private chunks: Buffer[] = [];
  highWater: number | undefined;
  syncs = 0;
  replaces = 0;
  gate: Promise<void> | undefined;
  failNext: Error | undefined;
  readonly prefixBytes = 0;

  get durable(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  set durable(bytes: Buffer) {
    this.chunks = [bytes];
  }

  async read(): Promise<Uint8Array> {
    return this.durable;
  }

  async appendDurably(bytes: Uint8Array, highWaterSeq?: number): Promise<void> {
    if (this.gate !== undefined) await this.gate;
    // The mark is written before the records, as the file storage does: a failed append may leave it ahead.
    if (highWaterSeq !== undefined) this.highWater = Math.max(this.highWater ?? 0, highWaterSeq);
    if (this.failNext !== undefined) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.chunks.push(Buffer.from(bytes));
    this.syncs++;
  }

  async replaceDurably(bytes: Uint8Array): Promise<void> {
    this.durable = Buffer.from(bytes);
    this.replaces++;
  }

  async readHighWater(): Promise<number | undefined> {
    return this.highWater;
  }

  async writeHighWater(seq: number): Promise<void> {
    this.highWater = Math.max(this.highWater ?? 0, seq);
  }

  async close(): Promise<void> {}
}

/** The in-memory log for tests and the simulator: the same code as production over MemoryLogStorage. */
export function openMemoryPurgeLog(
  options: Partial<PurgeLogOptions> = {},
  storage: LogStorage = new MemoryLogStorage(),
): Promise<DurablePurgeLog> {
  return DurablePurgeLog.open(storage, {
    retainCount: options.retainCount ?? 100_000,
    maxPendingAppends: options.maxPendingAppends ?? 50_000,
    newLogId: options.newLogId ?? (() => 'memory-log'),
  });
}
