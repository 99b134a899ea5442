/**
 * One owner per data directory. The lock is a file, `DIR/lock`, created with O_EXCL and holding
 * the owner's pid, its start time and host; it is removed on exit. A lock left by a process
 * that is gone (kill -9, power cut) is stale: the pid no longer runs, or runs but started at a
 * different time (the pid was reused). A stale lock is moved aside with rename, which only one
 * contender can win, and the takeover retried.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE_NAME = 'lock';

export interface LockHolder {
  pid: number;
  /** The holder's process start, as /proc reports it (clock ticks since boot), or its start wall time. */
  startedAt: string;
  startedAtIso: string;
  host: string;
}

export type LockResult = { ok: true; release(): void } | { ok: false; holder: LockHolder | undefined; message: string };

export async function lockDataDir(dataDir: string): Promise<LockResult> {
  const path = join(dataDir, LOCK_FILE_NAME);
  const me: LockHolder = { pid: process.pid, startedAt: processStart(process.pid) ?? String(Date.now()), startedAtIso: new Date(Date.now() - process.uptime() * 1000).toISOString(), host: hostname() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          try {
            // Only our own lock: never one a later owner wrote.
            if (readHolder(readFileSync(path, 'utf8'))?.pid === me.pid) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = await readFile(path, 'utf8').catch(() => '');
    const holder = readHolder(text);
    if (holder !== undefined && isRunning(holder)) {
      return { ok: false, holder, message: `data dir ${dataDir} is locked by pid ${holder.pid} on ${holder.host} (started ${holder.startedAtIso}); stop it first, or use another --data-dir` };
    }
    // Stale (or unreadable: a crash while writing it). Move it aside; whoever wins the rename retries.
    const aside = `${path}.stale-${process.pid}`;
    try {
      await rename(path, aside);
    } catch {
      continue;
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== text) {
      // Between our read and the rename another process took the lock: give it back.
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      const owner = readHolder(moved);
      return { ok: false, holder: owner, message: `data dir ${dataDir} is locked by pid ${owner?.pid ?? '?'} (it took the stale lock first)` };
    }
    await unlink(aside).catch(() => undefined);
  }
  return { ok: false, holder: undefined, message: `data dir ${dataDir}: could not take ${path} after removing a stale lock three times` };
}

function readHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid !== 'number' || typeof v.startedAt !== 'string') return undefined;
    return { pid: v.pid, startedAt: v.startedAt, startedAtIso: String(v.startedAtIso ?? '?'), host: String(v.host ?? '?') };
  } catch {
    return undefined;
  }
}

function isRunning(holder: LockHolder): boolean {
  // Another host's process cannot be probed; its lock is honoured until an operator removes it.
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStart(holder.pid);
  // Where /proc is missing, a live pid is taken at its word.
  return started === undefined || started === holder.startedAt;
}

/** Field 22 of /proc/<pid>/stat: the process start in clock ticks since boot (Linux). */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}


