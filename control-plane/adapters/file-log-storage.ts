/**
 * LogStorage on a local file: appends go through one descriptor opened for appending and are
 * followed by fdatasync; replacement writes a temporary file, syncs it, renames it over the log
 * and syncs the directory so the rename itself survives a power cut.
 */
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogStorage } from '../purge-log.js';

export const LOG_FILE_NAME = 'purges.log';

export class FileLogStorage implements LogStorage {
  private handle: FileHandle | undefined;

  private constructor(
    private readonly dir: string,
    readonly path: string,
  ) {}

  /** Creates the data directory when missing; the log file itself is created on first write. */
  static async create(dataDir: string): Promise<FileLogStorage> {
    await mkdir(dataDir, { recursive: true });
    return new FileLogStorage(dataDir, join(dataDir, LOG_FILE_NAME));
  }

  async read(): Promise<string> {
    try {
      const file = await open(this.path, 'r');
      try {
        return await file.readFile('utf8');
      } finally {
        await file.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }

  async appendDurably(text: string): Promise<void> {
    this.handle ??= await open(this.path, 'a');
    await this.handle.writeFile(text, 'utf8');
    await this.handle.datasync();
  }

  async replaceDurably(text: string): Promise<void> {
    const temp = `${this.path}.tmp`;
    const file = await open(temp, 'w');
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    // Appends after the rename must go to the new file, not the unlinked old one.
    await this.handle?.close();
    this.handle = undefined;
    await rename(temp, this.path);
    await syncDirectory(this.dir);
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
