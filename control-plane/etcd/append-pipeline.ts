/**
 * The leader's append transactions, several in flight at once (etcd store).
 *
 * One transaction at a time leaves etcd idle while its answer travels back and the next batch is
 * built; etcd commits concurrent proposals together (one raft round, one fsync for all), so
 * keeping a few in flight multiplies the rate without making batches larger.
 *
 * Batches form a chain in launch order: each is numbered right after its predecessor and compares
 * last-seq on the value the predecessor will have written. So:
 * - A batch that commits is answered at once; its records are resolved in seq order by the log
 *   (the caller), never before their own transaction committed.
 * - A batch whose compare fails waits until it is the head of the chain (every batch before it
 *   committed), then is renumbered after the last seq known and sent again. Successors that were
 *   numbered after it fail too (their compare names a value that never appears) and are
 *   renumbered in turn, in launch order. While a failed batch waits, no new batch is launched: it
 *   would only be numbered on the broken chain.
 * - etcd may receive two concurrent transactions in either order. A batch that arrives before its
 *   predecessor fails with last-seq still below its number ("early"); once it is the head it is
 *   sent again with the same numbering, which is then usually right.
 * - An attempt whose outcome is unknown (connection lost, timeout) is retried with the same
 *   numbering, so at most one attempt of that numbering commits. The batch is renumbered only
 *   after an answer for its numbering showed last-seq beyond it without its tag (the caller's
 *   `send` checks the tag): from then on no attempt of the old numbering can commit.
 *
 * The compare on last-seq is what keeps seqs gap-free and never reused; this class only decides
 * what to send when, so that failures cost a re-send and nothing else.
 */
import type { Timers } from '../../common/ports.js';

/** What came of one attempt to commit a batch as seqs afterSeq+1 … afterSeq+n. */
export type AttemptOutcome =
  /** Committed (by this attempt, or by an earlier one whose answer was lost: the tag was found). */
  | { kind: 'committed' }
  /** The compare failed and this batch is not in etcd; `lastSeq` is etcd's last-seq in that answer. */
  | { kind: 'conflict'; lastSeq: number }
  /** May or may not have been applied (connection lost, timeout). */
  | { kind: 'unknown'; message: string };

export interface AppendPipelineDeps<T> {
  timers: Timers;
  /** Items waiting to be taken. */
  queued(): number;
  /** The next batch of queued items; [] when nothing waits. */
  take(): T[];
  /** One attempt; must not reject (failures are `unknown`). */
  send(items: T[], afterSeq: number, tag: string): Promise<AttemptOutcome>;
  /** The batch committed as afterSeq+1 …; called once per batch. */
  committed(items: T[], afterSeq: number): void;
  /** Highest seq known committed in etcd (raised by `noteLastSeq` and by the caller's reads). */
  knownLastSeq(): number;
  noteLastSeq(seq: number): void;
  /** A new batch tag, unique across replicas and runs. */
  newTag(): string;
  /** The items will not be committed by this pipeline (closing, or the log is corrupt). */
  reject(items: T[], why: 'closed' | 'corrupt', detail: string): void;
  /** A condition under which appending must stop (last-seq went backwards). */
  corrupt(message: string): void;
  onConflict?(afterSeq: number, lastSeq: number): void;
  /** A batch left the chain or was renumbered: `lowestOpenSeq()` may have moved. */
  chainChanged?(): void;
}

export interface AppendPipelineOptions {
  /** Transactions in flight at once; 1 is the old one-at-a-time behaviour. */
  maxInFlight: number;
  /** Pause before re-sending an attempt whose outcome was unknown. */
  retryMs: number;
  /** While a transaction is in flight, another is launched only once this many items wait. */
  minRecordsWhileBusy: number;
}

/**
 * What the pipeline did, counted as it happens (a few integer increments per transaction) and read
 * by /metrics and the purge bench: whether batches overlap at all, how large they are, and what
 * etcd seeing concurrent transactions out of order costs in re-sends.
 */
export interface AppendCounters {
  /** Batches launched (each one transaction, re-sends not counted). */
  batches: number;
  /** Purges in those batches. */
  purges: number;
  /** Batches launched while another was still in flight: the pipeline engaged. */
  launchedBesideAnother: number;
  /** Answers whose compare on last-seq failed: a batch that reached etcd before its predecessor, or another writer. */
  compareFailures: number;
  /** Attempts whose outcome was unknown (connection lost, timeout, given up at a leader change). */
  unknownOutcomes: number;
}

type BatchState =
  /** An attempt is in flight. */
  | 'sending'
  /** The last attempt's outcome was unknown; it is re-sent after retryMs. */
  | 'retrying'
  /** The last attempt's compare failed; re-sent once this batch heads the chain. */
  | 'conflicted';

interface Batch<T> {
  readonly items: T[];
  readonly tag: string;
  afterSeq: number;
  state: BatchState;
  /** etcd's last-seq in the last conflict answer. */
  conflictLastSeq: number;
  /** The attempt in flight was sent while this batch headed the chain (nothing before it pending). */
  sentAsHead: boolean;
}

export class AppendPipeline<T> {
  /** Launch order, which is seq order as long as nothing failed. */
  private readonly chain: Array<Batch<T>> = [];
  private stopped: 'closed' | 'corrupt' | undefined;
  private idleWaiters: Array<() => void> = [];
  private pumpQueued = false;
  private readonly counts: AppendCounters = { batches: 0, purges: 0, launchedBesideAnother: 0, compareFailures: 0, unknownOutcomes: 0 };

  constructor(
    private readonly deps: AppendPipelineDeps<T>,
    private readonly options: AppendPipelineOptions,
  ) {
    if (!(options.maxInFlight >= 1)) throw new Error('AppendPipeline: maxInFlight must be at least 1');
  }

  /**
   * Launches batches once the current task's appends are queued: a burst queued in one go
   * becomes full batches, not one transaction per purge filling every slot.
   */
  pumpSoon(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Launches batches while there is room and work. */
  pump(): void {
    while (this.stopped === undefined && this.chain.length < this.options.maxInFlight && this.chainIntact()) {
      // With a transaction in flight, a small batch waits and grows: etcd's cost is per
      // transaction, and slots spent on one purge each left less for full batches (measured).
      if (this.chain.length > 0 && this.deps.queued() < this.options.minRecordsWhileBusy) return;
      const items = this.deps.take();
      if (items.length === 0) return;
      const tail = this.chain[this.chain.length - 1];
      const afterSeq = tail === undefined ? this.deps.knownLastSeq() : tail.afterSeq + tail.items.length;
      const batch: Batch<T> = { items, tag: this.deps.newTag(), afterSeq, state: 'sending', conflictLastSeq: 0, sentAsHead: false };
      this.counts.batches++;
      this.counts.purges += items.length;
      if (this.chain.length > 0) this.counts.launchedBesideAnother++;
      this.chain.push(batch);
      this.send(batch);
    }
  }

  /**
   * True when a new batch numbered after the tail would be numbered right: nothing waits to be
   * renumbered and every batch follows its predecessor's numbering.
   */
  private chainIntact(): boolean {
    for (let i = 0; i < this.chain.length; i++) {
      const batch = this.chain[i]!;
      if (batch.state === 'conflicted') return false;
      const before = this.chain[i - 1];
      if (before !== undefined && batch.afterSeq !== before.afterSeq + before.items.length) return false;
    }
    return true;
  }

  /**
   * The lowest seq a batch still in the chain may yet commit as (Infinity when none). A batch that
   * committed out of turn (after an earlier one's answer was lost) is acknowledged only once
   * everything below it is settled, so acks go out in seq order.
   */
  lowestOpenSeq(): number {
    let lowest = Infinity;
    for (const batch of this.chain) lowest = Math.min(lowest, batch.afterSeq + 1);
    return lowest;
  }

  /** Counts since this pipeline started (a copy). */
  counters(): AppendCounters {
    return { ...this.counts };
  }

  /** Batches not yet committed (in flight, retrying or waiting to be renumbered). */
  inFlight(): number {
    return this.chain.length;
  }

  /**
   * Stops launching; batches that have not committed are rejected as their attempts come back
   * (an attempt in flight may still commit, and is then answered normally). Resolves when none is left.
   */
  close(): Promise<void> {
    this.stopped ??= 'closed';
    for (const batch of [...this.chain]) if (batch.state !== 'sending') this.drop(batch, 'closed', 'closing');
    return this.idle();
  }

  /** Stops for good: the log found last-seq or a record it cannot trust. */
  stop(detail: string): void {
    this.stopped = 'corrupt';
    for (const batch of [...this.chain]) this.drop(batch, 'corrupt', detail);
  }

  private idle(): Promise<void> {
    if (this.chain.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private send(batch: Batch<T>): void {
    batch.state = 'sending';
    batch.sentAsHead = this.chain[0] === batch;
    void this.deps.send(batch.items, batch.afterSeq, batch.tag).then(
      (outcome) => this.answered(batch, outcome),
      (err: unknown) => this.answered(batch, { kind: 'unknown', message: (err as Error).message }),
    );
  }

  private answered(batch: Batch<T>, outcome: AttemptOutcome): void {
    if (!this.chain.includes(batch)) return; // dropped by stop() meanwhile
    switch (outcome.kind) {
      case 'committed':
        this.remove(batch);
        this.deps.noteLastSeq(batch.afterSeq + batch.items.length);
        this.deps.committed(batch.items, batch.afterSeq);
        break;
      case 'unknown':
        this.counts.unknownOutcomes++;
        if (this.stopped !== undefined) {
          this.drop(batch, this.stopped, outcome.message);
          break;
        }
        batch.state = 'retrying';
        this.deps.timers.after(this.options.retryMs, () => {
          if (this.chain.includes(batch) && batch.state === 'retrying') {
            if (this.stopped !== undefined) this.drop(batch, this.stopped, outcome.message);
            else this.send(batch);
          }
        });
        return;
      case 'conflict':
        this.counts.compareFailures++;
        if (outcome.lastSeq < batch.afterSeq && batch.sentAsHead) {
          // Nothing of ours was pending before it, so last-seq really was at least afterSeq.
          this.deps.corrupt(`last-seq went from ${batch.afterSeq} back to ${outcome.lastSeq}`);
          return;
        }
        this.deps.noteLastSeq(outcome.lastSeq);
        this.deps.onConflict?.(batch.afterSeq, outcome.lastSeq);
        if (this.stopped !== undefined) {
          this.drop(batch, this.stopped, 'closing');
          break;
        }
        batch.state = 'conflicted';
        batch.conflictLastSeq = outcome.lastSeq;
        break;
      default:
        throw new Error(`unhandled outcome ${String((outcome satisfies never) as unknown)}`);
    }
    this.resendHead();
    this.deps.chainChanged?.();
    this.pump();
  }

  /** Re-sends the head of the chain if its compare failed: every batch before it has committed. */
  private resendHead(): void {
    const head = this.chain[0];
    if (head === undefined || head.state !== 'conflicted') return;
    if (head.conflictLastSeq > head.afterSeq) {
      // Final for this numbering: last-seq is past it and the tag was not there.
      head.afterSeq = Math.max(this.deps.knownLastSeq(), head.conflictLastSeq);
    }
    // Early (sent before its predecessor landed): the same numbering is right now unless a
    // predecessor was renumbered, and then this answer comes back final and renumbers it.
    // Successors still carry numbers after the old chain: they fail and are renumbered in turn.
    this.send(head);
  }

  private drop(batch: Batch<T>, why: 'closed' | 'corrupt', detail: string): void {
    this.remove(batch);
    this.deps.reject(batch.items, why, detail);
  }

  private remove(batch: Batch<T>): void {
    const at = this.chain.indexOf(batch);
    if (at >= 0) this.chain.splice(at, 1);
    this.deps.chainChanged?.();
    if (this.chain.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
