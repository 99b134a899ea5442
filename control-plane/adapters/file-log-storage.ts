/**
 * LogStorage on local files in the data directory: `purges.log` takes appends through one
 * descriptor opened for appending, each followed by fdatasync; replacement writes a temporary
 * file, syncs it, renames it over the log and syncs the directory so the rename itself survives
 * a power cut. `purges.hwm` holds the high-water mark in two fixed slots overwritten in place
 * (same size every time, so fdatasync has no metadata to flush). Creating either file syncs the
 * directory too.
 */
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeHighWater, encodeHighWaterSlot, HIGH_WATER_SLOT_BYTES } from '../log/high-water.js';
import type { LogStorage } from '../purge-log.js';

export const LOG_FILE_NAME = 'purges.log';
export const HIGH_WATER_FILE_NAME = 'purges.hwm';

/** Seen by metrics: every fsync the log waits for, with its duration. */
export type SyncObserver = (what: 'append' | 'high-water' | 'replace', seconds: number) => void;

export class FileLogStorage implements LogStorage {
  private handle: FileHandle | undefined;
  private highWaterHandle: FileHandle | undefined;
  private highWaterWrites = 0;
  private bytes = 0;
  observeSync: SyncObserver = () => undefined;

  private constructor(
    private readonly dir: string,
    readonly path: string,
    readonly highWaterPath: string,
  ) {}

  /** Creates the data directory when missing (and syncs its parent); the files come later. */
  static async create(dataDir: string): Promise<FileLogStorage> {
    const made = await mkdir(dataDir, { recursive: true });
    if (made !== undefined) await syncDirectory(dirname(dataDir));
    return new FileLogStorage(dataDir, join(dataDir, LOG_FILE_NAME), join(dataDir, HIGH_WATER_FILE_NAME));
  }

  /** Size of the log file as last written, for metrics. */
  sizeBytes(): number {
    return this.bytes;
  }

  async read(): Promise<Uint8Array> {
    const bytes = await readIfExists(this.path);
    this.bytes = bytes?.length ?? 0;
    return bytes ?? Buffer.alloc(0);
  }

  async appendDurably(bytes: Uint8Array): Promise<void> {
    if (this.handle === undefined) {
      const existed = await exists(this.path);
      this.handle = await open(this.path, 'a');
      if (!existed) await syncDirectory(this.dir);
    }
    await this.handle.writeFile(bytes);
    const started = performance.now();
    await this.handle.datasync();
    this.observeSync('append', (performance.now() - started) / 1000);
    this.bytes += bytes.length;
  }

  async replaceDurably(bytes: Uint8Array): Promise<void> {
    const temp = `${this.path}.tmp`;
    const started = performance.now();
    const file = await open(temp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    // Appends after the rename must go to the new file, not the unlinked old one.
    await this.handle?.close();
    this.handle = undefined;
    await rename(temp, this.path);
    await syncDirectory(this.dir);
    this.observeSync('replace', (performance.now() - started) / 1000);
    this.bytes = bytes.length;
  }

  async readHighWater(): Promise<number | undefined> {
    const bytes = await readIfExists(this.highWaterPath);
    return bytes === undefined ? undefined : decodeHighWater(bytes);
  }

  async writeHighWater(seq: number): Promise<void> {
    if (this.highWaterHandle === undefined) {
      const existed = await exists(this.highWaterPath);
      this.highWaterHandle = await open(this.highWaterPath, existed ? 'r+' : 'w+');
      if (!existed) {
        // Both slots exist from the start, so later writes never change the file's size.
        await this.highWaterHandle.write(Buffer.concat([encodeHighWaterSlot(seq), encodeHighWaterSlot(seq)]), 0, 2 * HIGH_WATER_SLOT_BYTES, 0);
        await this.highWaterHandle.sync();
        await syncDirectory(this.dir);
        return;
      }
    }
    const slot = this.highWaterWrites++ % 2;
    await this.highWaterHandle.write(encodeHighWaterSlot(seq), 0, HIGH_WATER_SLOT_BYTES, slot * HIGH_WATER_SLOT_BYTES);
    const started = performance.now();
    await this.highWaterHandle.datasync();
    this.observeSync('high-water', (performance.now() - started) / 1000);
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    await this.highWaterHandle?.close();
    this.highWaterHandle = undefined;
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
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
