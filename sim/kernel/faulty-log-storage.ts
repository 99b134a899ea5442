/**
 * The control plane's purge-log storage in the simulator: the production log code
 * (DurablePurgeLog) over MemoryLogStorage, through the LogStorage seam, with the disk faults a
 * scenario can inject. The storage outlives the control plane's incarnations, as a disk does.
 *
 * - `fsync-fail`: the next append's sync fails (the log then refuses appends until a restart).
 * - `slow`: every sync takes `delayMs` on the control plane's monotonic clock.
 * - `torn`: as slow, and a crash during a sync leaves the first half of its bytes on disk (a
 *   torn write), which the next open must cut off.
 * - `ok`: back to a healthy disk.
 */
import type { Timers } from '../../common/ports.js';
import { MemoryLogStorage, type LogStorage } from '../../control-plane/purge-log.js';

export type DiskMode = 'ok' | 'fsync-fail' | 'slow' | 'torn';

export class FaultyLogStorage implements LogStorage {
  readonly inner = new MemoryLogStorage();
  readonly prefixBytes = 0;
  private mode: DiskMode = 'ok';
  private delayMs = 0;
  /** Bytes of the sync in progress, for a torn write on crash. */
  private inFlight: Uint8Array | undefined;

  /** `timers` gives the control plane's current incarnation's timers: a crash drops a pending sync. */
  constructor(private readonly timers: () => Timers) {}

  setMode(mode: DiskMode, delayMs = 0): void {
    this.mode = mode;
    this.delayMs = delayMs;
    this.inner.failNext = mode === 'fsync-fail' ? new Error('fsync: input/output error (simulated)') : undefined;
  }

  /** The control plane's machine crashed: a torn disk keeps half of the sync it was doing. */
  crashed(): void {
    const bytes = this.inFlight;
    this.inFlight = undefined;
    if (this.mode !== 'torn' || bytes === undefined || bytes.length < 2) return;
    this.inner.durable = Buffer.concat([this.inner.durable, Buffer.from(bytes.subarray(0, Math.floor(bytes.length / 2)))]);
  }

  read(): Promise<Uint8Array> {
    return this.inner.read();
  }

  async appendDurably(bytes: Uint8Array, highWaterSeq?: number): Promise<void> {
    if ((this.mode === 'slow' || this.mode === 'torn') && this.delayMs > 0) {
      this.inFlight = bytes;
      await new Promise<void>((resolve) => this.timers().after(this.delayMs, resolve));
      this.inFlight = undefined;
    }
    await this.inner.appendDurably(bytes, highWaterSeq);
  }

  replaceDurably(bytes: Uint8Array): Promise<void> {
    return this.inner.replaceDurably(bytes);
  }

  readHighWater(): Promise<number | undefined> {
    return this.inner.readHighWater();
  }

  writeHighWater(seq: number): Promise<void> {
    return this.inner.writeHighWater(seq);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
