/**
 * One contract suite for the purge log, run over both storages (memory for the simulator, a real
 * file with fsync for production): dense ordered seqs, durable before resolved, group commit,
 * replay after restart, torn tails, retention with compaction, and failure handling.
 */
import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRequest } from '../../common/control-protocol.js';
import { FileLogStorage, LOG_FILE_NAME } from '../../control-plane/adapters/file-log-storage.js';
import { DurablePurgeLog, MemoryLogStorage, PurgeLogError, type LogStorage, type PurgeLogOptions } from '../../control-plane/purge-log.js';

const T0 = Date.UTC(2026, 0, 1);
const req = (n: number): PurgeRequest => ({ kind: 'url', values: [`example.com/${n}`], soft: n % 2 === 0 });

interface StorageKind {
  name: string;
  /** A fresh, empty place; `reopen` gives a new storage object over the same bytes (a restart). */
  create(): Promise<{ storage: LogStorage; reopen(): Promise<LogStorage>; raw(): Promise<string>; setRaw(text: string | Buffer): Promise<void>; dispose(): Promise<void> }>;
}

const kinds: StorageKind[] = [
  {
    name: 'memory',
    async create() {
      const storage = new MemoryLogStorage();
      return {
        storage,
        reopen: async () => storage,
        raw: async () => storage.durable.toString('utf8'),
        setRaw: async (text) => void (storage.durable = Buffer.from(text)),
        dispose: async () => undefined,
      };
    },
  },
  {
    name: 'file',
    async create() {
      const dir = await mkdtemp(join(tmpdir(), 'purge-log-'));
      const path = join(dir, LOG_FILE_NAME);
      return {
        storage: await FileLogStorage.create(dir),
        reopen: () => FileLogStorage.create(dir),
        raw: () => readFile(path, 'utf8'),
        setRaw: (text) => writeFile(path, text),
        dispose: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
];

const options = (over: Partial<PurgeLogOptions> = {}): PurgeLogOptions => ({ retainCount: 1000, maxPendingAppends: 10_000, newLogId: () => 'log-A', ...over });

for (const kind of kinds) {
  test(`${kind.name}: appends get dense seqs in order and read back`, async () => {
    const place = await kind.create();
    try {
      const log = await DurablePurgeLog.open(place.storage, options());
      assert.is(log.lastSeq(), 0);
      assert.is(log.oldestRetainedSeq(), 1);
      const records = await Promise.all([1, 2, 3, 4, 5].map((n) => log.append(req(n), T0 + n)));
      assert.equal(records.map((r) => r.seq), [1, 2, 3, 4, 5]);
      assert.equal(records[2]!.values, ['example.com/3']);
      assert.is(log.lastSeq(), 5);
      assert.equal(log.readAfter(0, 100).map((r) => r.seq), [1, 2, 3, 4, 5]);
      assert.equal(log.readAfter(2, 2).map((r) => r.seq), [3, 4]);
      assert.equal(log.readAfter(5, 10), []);
      assert.is(log.get(4)!.id, records[3]!.id);
      assert.is(log.get(6), undefined);
      await log.close();
    } finally {
      await place.dispose();
    }
  });

  test(`${kind.name}: an acknowledged record is already in storage`, async () => {
    const place = await kind.create();
    try {
      const log = await DurablePurgeLog.open(place.storage, options());
      const seen: number[] = [];
      await Promise.all(
        [1, 2, 3].map(async (n) => {
          const record = await log.append(req(n), T0);
          seen.push(record.seq);
          // Once append has resolved, the line is in the durable bytes.
          const raw = await place.raw();
          assert.ok(raw.includes(`"seq":${record.seq},`), `seq ${record.seq} on disk`);
        }),
      );
      assert.equal(seen, [1, 2, 3], 'appends resolve in seq order');
      await log.close();
    } finally {
      await place.dispose();
    }
  });

  test(`${kind.name}: restart replays everything acknowledged and continues the sequence`, async () => {
    const place = await kind.create();
    try {
      const first = await DurablePurgeLog.open(place.storage, options());
      for (let n = 1; n <= 20; n++) await first.append(req(n), T0 + n);
      const before = first.readAfter(0, 100);
      await first.close();
      const second = await DurablePurgeLog.open(await place.reopen(), options({ newLogId: () => 'must-not-be-used' }));
      assert.is(second.logId(), 'log-A');
      assert.is(second.lastSeq(), 20);
      assert.equal(second.readAfter(0, 100), before);
      const next = await second.append(req(21), T0 + 21);
      assert.is(next.seq, 21);
      await second.close();
    } finally {
      await place.dispose();
    }
  });

  test(`${kind.name}: a torn last record that was never acknowledged is ignored and cut off before the next append`, async () => {
    const place = await kind.create();
    try {
      const first = await DurablePurgeLog.open(place.storage, options());
      for (let n = 1; n <= 3; n++) await first.append(req(n), T0);
      await first.close();
      const intact = await place.raw();
      // A crash mid-write: the next frame's first bytes, and no high-water mark for seq 4.
      await place.setRaw(`${intact}91 1a2b3c4d {"purge":{"seq":4,"id":"p4-x","ki`);
      const second = await DurablePurgeLog.open(await place.reopen(), options());
      assert.is(second.lastSeq(), 3);
      await second.append(req(4), T0);
      await second.close();
      const third = await DurablePurgeLog.open(await place.reopen(), options());
      assert.equal(third.readAfter(0, 10).map((r) => [r.seq, r.values[0]]), [[1, 'example.com/1'], [2, 'example.com/2'], [3, 'example.com/3'], [4, 'example.com/4']]);
      await third.close();
    } finally {
      await place.dispose();
    }
  });

  test(`${kind.name}: damage before the last line refuses to start`, async () => {
    const place = await kind.create();
    try {
      const first = await DurablePurgeLog.open(place.storage, options());
      for (let n = 1; n <= 3; n++) await first.append(req(n), T0);
      await first.close();
      const lines = (await place.raw()).split('\n');
      lines[2] = 'garbage';
      await place.setRaw(lines.join('\n'));
      try {
        await DurablePurgeLog.open(await place.reopen(), options());
        assert.unreachable('opened a damaged log');
      } catch (err) {
        assert.instance(err, PurgeLogError);
        assert.is((err as PurgeLogError).code, 'corrupt');
        assert.match((err as Error).message, /damaged at byte offset \d+/);
        assert.ok((err as PurgeLogError).offset! > 0);
      }
    } finally {
      await place.dispose();
    }
  });

  test(`${kind.name}: retention by count with compaction survives restart`, async () => {
    const place = await kind.create();
    try {
      const log = await DurablePurgeLog.open(place.storage, options({ retainCount: 10 }));
      for (let n = 1; n <= 45; n++) await log.append(req(n), T0 + n);
      assert.is(log.lastSeq(), 45);
      assert.is(log.oldestRetainedSeq(), 36);
      assert.equal(log.readAfter(0, 100).map((r) => r.seq), [36, 37, 38, 39, 40, 41, 42, 43, 44, 45]);
      assert.is(log.get(35), undefined);
      const fileLines = (await place.raw()).split('\n').filter((l) => l !== '').length;
      assert.ok(fileLines <= 2 * 10 + 3, `file holds ${fileLines} lines (2 of them the high-water mark)`);
      await log.close();
      const again = await DurablePurgeLog.open(await place.reopen(), options({ retainCount: 10 }));
      assert.is(again.lastSeq(), 45);
      assert.is(again.oldestRetainedSeq(), 36);
      assert.is((await again.append(req(46), T0)).seq, 46);
      await again.close();
    } finally {
      await place.dispose();
    }
  });
}

test('file: concurrent appends share fsyncs (group commit) and 5,000 land quickly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'purge-log-'));
  try {
    const storage = await FileLogStorage.create(dir);
    let syncs = 0;
    const counting: LogStorage = {
      read: () => storage.read(),
      appendDurably: (text, highWaterSeq) => {
        syncs++;
        return storage.appendDurably(text, highWaterSeq);
      },
      get prefixBytes() {
        return storage.prefixBytes;
      },
      replaceDurably: (text) => storage.replaceDurably(text),
      readHighWater: () => storage.readHighWater(),
      writeHighWater: (seq) => storage.writeHighWater(seq),
      close: () => storage.close(),
    };
    const log = await DurablePurgeLog.open(counting, options({ retainCount: 100_000 }));
    const records = await Promise.all(Array.from({ length: 5_000 }, (_, i) => log.append(req(i), T0)));
    assert.equal(records.map((r) => r.seq), Array.from({ length: 5_000 }, (_, i) => i + 1));
    assert.ok(syncs < 50, `${syncs} fsyncs for 5,000 appends`);
    await log.close();
    const text = await readFile(join(dir, LOG_FILE_NAME), 'utf8');
    assert.is(text.split('\n').length, 2 + 1 + 5_000 + 1, 'mark slots, header, records, and the final newline');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('memory: appends wait for the sync in flight, then go together; nothing is readable early', async () => {
  const storage = new MemoryLogStorage();
  const log = await DurablePurgeLog.open(storage, options());
  let release!: () => void;
  storage.gate = new Promise<void>((resolve) => (release = resolve));
  let durableCalls = 0;
  log.onDurable(() => durableCalls++);
  const first = log.append(req(1), T0);
  const rest = Array.from({ length: 99 }, (_, i) => log.append(req(i + 2), T0));
  await Promise.resolve();
  assert.is(log.lastSeq(), 0);
  assert.equal(log.readAfter(0, 10), []);
  release();
  storage.gate = undefined;
  await first;
  const all = await Promise.all(rest);
  assert.is(all[98]!.seq, 100);
  assert.is(storage.syncs, 2, 'one sync for the first, one for the 99 that queued behind it');
  assert.is(durableCalls, 2);
  assert.is(log.lastSeq(), 100);
  await log.close();
});

test('memory: a failed sync rejects its batch and everything after until restart', async () => {
  const storage = new MemoryLogStorage();
  const log = await DurablePurgeLog.open(storage, options());
  await log.append(req(1), T0);
  storage.failNext = new Error('EIO');
  const failed = await log.append(req(2), T0).then(() => undefined, (err: unknown) => err);
  assert.instance(failed, PurgeLogError);
  assert.is((failed as PurgeLogError).code, 'storage-failed');
  const after = await log.append(req(3), T0).then(() => undefined, (err: unknown) => err);
  assert.is((after as PurgeLogError).code, 'storage-failed');
  // The high-water mark for seq 2 reached the disk while its record did not: seq 2 may count as
  // handed out, so the restarted log starts over after it, under a new id (edges flush).
  const restarted = await DurablePurgeLog.open(storage, options({ newLogId: () => 'log-B' }));
  assert.is(restarted.lastSeq(), 2);
  assert.is(restarted.logId(), 'log-B');
  assert.equal(restarted.report.newLog, { previousLogId: 'log-A', lastSeqFound: 1, highWaterSeq: 2 });
  assert.is((await restarted.append(req(2), T0)).seq, 3);
});

test('memory: too many appends waiting for the disk are refused as overloaded', async () => {
  const storage = new MemoryLogStorage();
  const log = await DurablePurgeLog.open(storage, options({ maxPendingAppends: 3 }));
  let release!: () => void;
  storage.gate = new Promise<void>((resolve) => (release = resolve));
  const inFlight = log.append(req(1), T0);
  const queued = [log.append(req(2), T0), log.append(req(3), T0), log.append(req(4), T0)];
  await Promise.resolve();
  const refused = await log.append(req(5), T0).then(() => undefined, (err: unknown) => err);
  assert.is((refused as PurgeLogError).code, 'overloaded');
  release();
  storage.gate = undefined;
  await inFlight;
  assert.equal((await Promise.all(queued)).map((r) => r.seq), [2, 3, 4]);
});

test('file: a torn format 1 header on a brand-new log starts a new log', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'purge-log-'));
  try {
    await appendFile(join(dir, LOG_FILE_NAME), '{"purgeLog":1,"lo');
    const log = await DurablePurgeLog.open(await FileLogStorage.create(dir), options());
    assert.is(log.logId(), 'log-A');
    assert.is((await log.append(req(1), T0)).seq, 1);
    await log.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});


test('file: a cut through the last acknowledged record keeps the mark at the head of the file: new log id, no seq reissued', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'purge-log-'));
  try {
    const first = await DurablePurgeLog.open(await FileLogStorage.create(dir), options());
    for (let n = 1; n <= 3; n++) await first.append(req(n), T0);
    await first.close();
    const path = join(dir, LOG_FILE_NAME);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    const second = await DurablePurgeLog.open(await FileLogStorage.create(dir), options({ newLogId: () => 'log-B' }));
    assert.is(second.logId(), 'log-B');
    assert.ok(second.lost(3));
    assert.is(second.get(2)!.values[0], 'example.com/2');
    assert.is(second.report.dropped!.offset, bytes.lastIndexOf(0x0a, bytes.length - 2) + 1, 'the file offset of the cut record');
    assert.is((await second.append(req(4), T0)).seq, 4);
    await second.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
