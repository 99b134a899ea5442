/**
 * The ordered, durable purge log. Sequence numbers are dense (1, 2, 3, ...); a record becomes
 * readable, and its `append` resolves, only once it is durable in the LogStorage, so nothing an
 * edge or an operator has seen can be lost by a restart.
 *
 * Group commit: appends that arrive while a write+sync is in flight wait for the next one and go
 * to storage together, one sync per batch, so throughput is bounded by sync latency times batch
 * size rather than by sync latency alone.
 *
 * On-disk format (JSON lines): a header `{"purgeLog":1,"logId":"..."}` and then one PurgeRecord
 * per line. On open, the file is replayed; an incomplete or unparsable LAST line is a write torn
 * by a crash (never acknowledged) and is cut off; damage anywhere else stops the start with an
 * error naming the line. Retention is by count: memory holds the newest `retainCount` records,
 * and the file is rewritten with just those once it holds twice as many (compaction).
 */
import { Value } from '@sinclair/typebox/value';
import { purgeId, PurgeRecordSchema, type PurgeRecord, type PurgeRequest } from '../common/control-protocol.js';

export interface PurgeLog {
  /** Assigns the next seq; resolves once the record is durable. Rejects with PurgeLogError. */
  append(req: PurgeRequest, nowMs: number, options?: { forwarded?: boolean }): Promise<PurgeRecord>;
  /** Durable records with seq > `seq`, oldest first, at most `limit`. */
  readAfter(seq: number, limit: number): PurgeRecord[];
  /** The record with this seq while it is retained. */
  get(seq: number): PurgeRecord | undefined;
  /** Highest durable seq; 0 when nothing was ever appended. */
  lastSeq(): number;
  /** Lowest seq still retained; lastSeq() + 1 when nothing is retained. */
  oldestRetainedSeq(): number;
  /** Identity of this log's history, fixed when the log was created. */
  logId(): string;
  /** True when this log was reopened from an earlier run's storage (a restart), false when new. */
  resumed(): boolean;
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
  /** Everything stored so far; '' for a new log. */
  read(): Promise<string>;
  /** Appends the text and resolves only when it is durable (write + fsync). */
  appendDurably(text: string): Promise<void>;
  /** Replaces the whole content atomically and durably (write temp, fsync, rename, fsync dir). */
  replaceDurably(text: string): Promise<void>;
  close(): Promise<void>;
}

export type PurgeLogErrorCode = 'overloaded' | 'storage-failed' | 'closed' | 'corrupt';

/** An operational failure of the log; `code` says what the caller can do about it. */
export class PurgeLogError extends Error {
  constructor(
    readonly code: PurgeLogErrorCode,
    message: string,
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
  /** Names a new log; only called when the storage is empty. */
  newLogId: () => string;
}

interface Pending {
  record: PurgeRecord;
  resolve: (record: PurgeRecord) => void;
  reject: (err: Error) => void;
}

const HEADER_VERSION = 1;

export class DurablePurgeLog implements PurgeLog {
  private readonly retained: PurgeRecord[];
  /** Index in `retained` of the oldest live record; the prefix before it is garbage. */
  private head = 0;
  private durableSeq: number;
  private assignedSeq: number;
  private linesInFile: number;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failure: PurgeLogError | undefined;
  private closed = false;
  private readonly listeners: Array<() => void> = [];

  private constructor(
    private readonly storage: LogStorage,
    private readonly options: PurgeLogOptions,
    private readonly id: string,
    records: PurgeRecord[],
    lastSeq: number,
    private readonly wasResumed: boolean,
  ) {
    if (options.retainCount < 1) throw new Error('retainCount must be at least 1');
    this.retained = records.slice(-options.retainCount);
    this.durableSeq = lastSeq;
    this.assignedSeq = lastSeq;
    this.linesInFile = records.length;
  }

  /** Replays the storage (repairing a torn tail) and returns a log ready for appends. */
  static async open(storage: LogStorage, options: PurgeLogOptions): Promise<DurablePurgeLog> {
    const text = await storage.read();
    const replayed = replay(text);
    if (replayed.kind === 'corrupt') throw new PurgeLogError('corrupt', replayed.message);
    if (replayed.kind === 'empty') {
      const id = options.newLogId();
      await storage.replaceDurably(headerLine(id));
      return new DurablePurgeLog(storage, options, id, [], 0, false);
    }
    const log = new DurablePurgeLog(storage, options, replayed.logId, replayed.records, replayed.lastSeq, true);
    // A torn tail must go before anything is appended after it, or the next line would be glued on.
    if (replayed.torn) await log.rewrite();
    return log;
  }

  append(req: PurgeRequest, nowMs: number): Promise<PurgeRecord> {
    if (this.closed) return Promise.reject(new PurgeLogError('closed', 'the purge log is closed'));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending.length >= this.options.maxPendingAppends) {
      return Promise.reject(new PurgeLogError('overloaded', `${this.pending.length} purges are already waiting for the disk; retry shortly`));
    }
    const seq = ++this.assignedSeq;
    const record: PurgeRecord = { seq, id: purgeId(seq, nowMs), kind: req.kind, values: [...req.values], soft: req.soft, acceptedAtMs: nowMs };
    return new Promise<PurgeRecord>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (this.flushing === undefined) this.flushing = this.flushLoop();
    });
  }

  readAfter(seq: number, limit: number): PurgeRecord[] {
    const oldest = this.oldestRetainedSeq();
    const from = Math.max(seq + 1, oldest);
    if (from > this.durableSeq || limit <= 0) return [];
    const start = this.head + (from - oldest);
    return this.retained.slice(start, Math.min(start + limit, this.retained.length));
  }

  get(seq: number): PurgeRecord | undefined {
    const oldest = this.oldestRetainedSeq();
    if (seq < oldest || seq > this.durableSeq) return undefined;
    return this.retained[this.head + (seq - oldest)];
  }

  lastSeq(): number {
    return this.durableSeq;
  }

  oldestRetainedSeq(): number {
    const first = this.retained[this.head];
    return first === undefined ? this.durableSeq + 1 : first.seq;
  }

  logId(): string {
    return this.id;
  }

  resumed(): boolean {
    return this.wasResumed;
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
      let text = '';
      for (const p of batch) text += `${JSON.stringify(p.record)}\n`;
      try {
        await this.storage.appendDurably(text);
      } catch (err) {
        this.fail(err, batch);
        return;
      }
      for (const p of batch) this.retain(p.record);
      this.durableSeq = batch[batch.length - 1]!.record.seq;
      this.linesInFile += batch.length;
      for (const p of batch) p.resolve(p.record);
      for (const listener of this.listeners) listener();
      if (this.linesInFile >= 2 * this.options.retainCount) {
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
    this.failure = new PurgeLogError('storage-failed', `purge log storage failed, restart the control plane: ${(err as Error).message}`);
    for (const p of [...batch, ...this.pending]) p.reject(this.failure);
    this.pending = [];
    this.flushing = undefined;
  }

  private retain(record: PurgeRecord): void {
    this.retained.push(record);
    if (this.retained.length - this.head > this.options.retainCount) this.head++;
    // Drop the dead prefix now and then so the array does not grow without bound.
    if (this.head >= this.options.retainCount && this.head >= 1024) {
      this.retained.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Compaction and torn-tail repair: the file becomes header + retained records. */
  private async rewrite(): Promise<void> {
    const live = this.retained.slice(this.head);
    let text = headerLine(this.id);
    for (const record of live) text += `${JSON.stringify(record)}\n`;
    await this.storage.replaceDurably(text);
    this.linesInFile = live.length;
  }
}

function headerLine(logId: string): string {
  return `${JSON.stringify({ purgeLog: HEADER_VERSION, logId })}\n`;
}

type Replayed =
  | { kind: 'empty' }
  | { kind: 'corrupt'; message: string }
  | { kind: 'log'; logId: string; records: PurgeRecord[]; lastSeq: number; torn: boolean };

/** Parses the stored text; exported for the simulator's crash checks. */
export function replay(text: string): Replayed {
  const lines = text.split('\n');
  // Text that ends with '\n' splits into a trailing ''; anything else there is a torn write.
  const tail = lines.pop() ?? '';
  let torn = tail !== '';
  if (lines.length === 0) return { kind: 'empty' };

  let header: { purgeLog?: unknown; logId?: unknown };
  try {
    header = JSON.parse(lines[0]!) as typeof header;
  } catch {
    // Only a header torn by a crash during creation can be unparsable with nothing after it.
    if (lines.length === 1) return { kind: 'empty' };
    return { kind: 'corrupt', message: 'purge log line 1: not a purge log header' };
  }
  if (header.purgeLog !== HEADER_VERSION || typeof header.logId !== 'string') {
    return { kind: 'corrupt', message: `purge log line 1: expected {"purgeLog":${HEADER_VERSION},"logId":...}` };
  }

  const records: PurgeRecord[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = undefined;
    }
    const valid = record !== undefined && Value.Check(PurgeRecordSchema, record);
    const previous = records[records.length - 1];
    const inOrder = valid && (previous === undefined || (record as PurgeRecord).seq === previous.seq + 1);
    if (valid && inOrder) {
      records.push(record as PurgeRecord);
      continue;
    }
    if (i === lines.length - 1 && !valid) {
      // The last line of a crashed write: never synced, so never acknowledged.
      torn = true;
      break;
    }
    const why = valid ? `seq ${(record as PurgeRecord).seq} does not follow ${previous?.seq}` : 'not a purge record';
    return { kind: 'corrupt', message: `purge log line ${i + 1}: ${why}; refusing to start rather than lose or reorder purges` };
  }
  const last = records[records.length - 1];
  return { kind: 'log', logId: header.logId, records, lastSeq: last?.seq ?? 0, torn };
}

/**
 * LogStorage in memory. `durable` is what survives a crash; `syncs` counts durable appends, so
 * tests can see group commit. `gate`, when set, holds every sync until the test releases it.
 */
export class MemoryLogStorage implements LogStorage {
  durable = '';
  syncs = 0;
  replaces = 0;
  gate: Promise<void> | undefined;
  failNext: Error | undefined;

  async read(): Promise<string> {
    return this.durable;
  }

  async appendDurably(text: string): Promise<void> {
    if (this.gate !== undefined) await this.gate;
    if (this.failNext !== undefined) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.durable += text;
    this.syncs++;
  }

  async replaceDurably(text: string): Promise<void> {
    this.durable = text;
    this.replaces++;
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
