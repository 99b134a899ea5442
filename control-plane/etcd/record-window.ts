/**
 * The newest `retainCount` purge records a replica holds in memory, dense by seq, plus records that
 * arrived ahead of a gap (this replica's own commit seen before the watch delivered another
 * replica's earlier batch). Records only become readable once every seq before them is present,
 * so a stream never skips a purge.
 */
import type { PurgeRecord } from '../../common/control-protocol.js';

export class RecordWindow {
  private retained: PurgeRecord[] = [];
  /** Index in `retained` of the oldest live record; the prefix before it is garbage. */
  private head = 0;
  private last: number;
  private readonly ahead = new Map<number, PurgeRecord>();

  constructor(
    private readonly retainCount: number,
    /** Seq just before the first record this window will hold. */
    base: number,
  ) {
    if (retainCount < 1) throw new Error('retainCount must be at least 1');
    this.last = base;
  }

  /** Highest seq readable with nothing missing before it (down to oldestSeq()). */
  lastSeq(): number {
    return this.last;
  }

  oldestSeq(): number {
    return this.retained[this.head]?.seq ?? this.last + 1;
  }

  /** Records waiting for an earlier seq. */
  aheadCount(): number {
    return this.ahead.size;
  }

  /** Adds a record (duplicates and already-dropped seqs are ignored); true when lastSeq() moved. */
  add(record: PurgeRecord): boolean {
    if (record.seq <= this.last) return false;
    this.ahead.set(record.seq, record);
    return this.drain();
  }

  /**
   * Records before `seq` are gone for good (deleted by retention before this replica read them):
   * the window restarts just before `seq`, so readers further back get a flush.
   */
  restartAt(seq: number): void {
    if (seq <= this.last + 1) return;
    this.retained = [];
    this.head = 0;
    this.last = seq - 1;
    for (const s of [...this.ahead.keys()]) if (s <= this.last) this.ahead.delete(s);
    this.drain();
  }

  readAfter(seq: number, limit: number): PurgeRecord[] {
    const oldest = this.oldestSeq();
    const from = Math.max(seq + 1, oldest);
    if (from > this.last || limit <= 0) return [];
    const start = this.head + (from - oldest);
    return this.retained.slice(start, Math.min(start + limit, this.retained.length));
  }

  get(seq: number): PurgeRecord | undefined {
    const oldest = this.oldestSeq();
    if (seq < oldest || seq > this.last) return undefined;
    return this.retained[this.head + (seq - oldest)];
  }

  /** Moves records that no longer wait for anything into the window; true when lastSeq() moved. */
  private drain(): boolean {
    const before = this.last;
    for (let next = this.ahead.get(this.last + 1); next !== undefined; next = this.ahead.get(this.last + 1)) {
      this.ahead.delete(next.seq);
      this.push(next);
    }
    return this.last !== before;
  }

  private push(record: PurgeRecord): void {
    this.retained.push(record);
    this.last = record.seq;
    if (this.retained.length - this.head > this.retainCount) this.head++;
    // Drop the dead prefix now and then so the array does not grow without bound.
    if (this.head >= this.retainCount && this.head >= 1024) {
      this.retained.splice(0, this.head);
      this.head = 0;
    }
  }
}
