/**
 * LogStorage on one local file, `purges.log` in the data directory. Its first 64 bytes are the
 * high-water mark, two 32-byte slots overwritten in place in turn (log/high-water.ts); records
 * follow. A batch is written as: the mark into the next slot (positioned write), the records
 * appended after the end, then one fdatasync, which covers both because they are one inode. The
 * mark sits where a cut tail never reaches, so a lost tail cannot take the knowledge of what was
 * acknowledged with it. Replacement writes a temporary file, syncs it, renames it over the log
 * and syncs the directory, so the rename itself survives a power cut; creating a file or the
 * directory syncs its directory too.
 *
 * A file that does not start with a mark is format 1 (before the mark existed): read whole.
 */
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeHighWater, encodeHighWaterSlot, HIGH_WATER_SLOT_BYTES } from '../log/high-water.js';
import type { LogStorage } from '../purge-log.js';

export const LOG_FILE_NAME = 'purges.log';
/** Bytes of the mark at the start of the file. */
export const MARK_BYTES = 2 * HIGH_WATER_SLOT_BYTES;

/** Seen by metrics: every fsync the log waits for, with its duration. */
export type SyncObserver = (what: 'append' | 'high-water' | 'replace', seconds: number) => void;

export class FileLogStorage implements LogStorage {
  /** Opened for appending: records. */
  private handle: FileHandle | undefined;
  /** Opened for positioned writes: the mark. */
  private markHandle: FileHandle | undefined;
  private mark: number | undefined;
  private markWrites = 0;
  private prefix = 0;
  private bytes = 0;
  observeSync: SyncObserver = () => undefined;

  private constructor(
    private readonly dir: string,
    readonly path: string,
  ) {}

  /** Creates the data directory when missing (and syncs its parent); the file comes later. */
  static async create(dataDir: string): Promise<FileLogStorage> {
    const made = await mkdir(dataDir, { recursive: true });
    if (made !== undefined) await syncDirectory(dirname(dataDir));
    return new FileLogStorage(dataDir, join(dataDir, LOG_FILE_NAME));
  }

  get prefixBytes(): number {
    return this.prefix;
  }

  /** Size of the log file as last written, for metrics. */
  sizeBytes(): number {
    return this.bytes;
  }

  /** The records part of the file; the mark, when there is one, is kept for readHighWater. */
  async read(): Promise<Uint8Array> {
    const whole = (await readIfExists(this.path)) ?? Buffer.alloc(0);
    this.bytes = whole.length;
    if (whole.subarray(0, 4).toString('latin1') !== 'hwm ') {
      this.prefix = 0;
      this.mark = undefined;
      return whole;
    }
    this.prefix = MARK_BYTES;
    this.mark = decodeHighWater(whole.subarray(0, MARK_BYTES));
    return whole.subarray(MARK_BYTES);
  }

  async readHighWater(): Promise<number | undefined> {
    return this.mark;
  }

  async appendDurably(bytes: Uint8Array, highWaterSeq?: number): Promise<void> {
    // The log always starts with its mark by the time anything is appended (open rewrites older files).
    if (this.prefix !== MARK_BYTES) throw new Error(`${this.path} has no high-water mark to update; it must be rewritten first`);
    this.handle ??= await open(this.path, 'a');
    this.markHandle ??= await open(this.path, 'r+');
    // Both writes only reach the page cache; the datasync after them makes both durable at once.
    await Promise.all([this.handle.writeFile(bytes), highWaterSeq === undefined ? undefined : this.writeMark(highWaterSeq)]);
    const started = performance.now();
    await this.handle.datasync();
    this.observeSync('append', (performance.now() - started) / 1000);
    this.bytes += bytes.length;
  }

  async writeHighWater(seq: number): Promise<void> {
    if (this.prefix !== MARK_BYTES) throw new Error(`${this.path} has no high-water mark to update; it must be rewritten first`);
    await this.writeMark(seq);
    const started = performance.now();
    await this.markHandle!.datasync();
    this.observeSync('high-water', (performance.now() - started) / 1000);
  }

  /** Writes the records after a fresh mark (the current one), atomically and durably. */
  async replaceDurably(bytes: Uint8Array): Promise<void> {
    const temp = `${this.path}.tmp`;
    const started = performance.now();
    const slot = encodeHighWaterSlot(this.mark ?? 0);
    const file = await open(temp, 'w');
    try {
      await file.writeFile(Buffer.concat([slot, slot, bytes]));
      await file.sync();
    } finally {
      await file.close();
    }
    // Writes after the rename must go to the new file, not the unlinked old one.
    await this.closeHandles();
    await rename(temp, this.path);
    await syncDirectory(this.dir);
    this.observeSync('replace', (performance.now() - started) / 1000);
    this.prefix = MARK_BYTES;
    this.bytes = MARK_BYTES + bytes.length;
  }

  async close(): Promise<void> {
    await this.closeHandles();
  }

  private async writeMark(seq: number): Promise<void> {
    this.markHandle ??= await open(this.path, 'r+');
    // Alternate slots: a torn write can only spoil the slot being written, never the other one.
    const at = (this.markWrites++ % 2) * HIGH_WATER_SLOT_BYTES;
    await this.markHandle.write(encodeHighWaterSlot(seq), 0, HIGH_WATER_SLOT_BYTES, at);
    this.mark = Math.max(this.mark ?? 0, seq);
  }

  private async closeHandles(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    await this.markHandle?.close();
    this.markHandle = undefined;
  }
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    const file = await open(path, 'r');
    try {
      return await file.readFile();
    } finally {
      await file.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
