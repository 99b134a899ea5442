/** The access log's buffer: nothing written on the request's path, bounded queue, drop-and-count, backpressure, bytes that stay put once handed over. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessLog, type AccessLogSink } from '../../../edge/access-log/access-log.js';
import type { CompletedRequest } from '../../../edge/pipeline/request-events.js';
import { ManualTimers } from '../../support/manual-timers.js';

function event(n: number): CompletedRequest {
  return {
    startWallMs: Date.UTC(2026, 10, 26),
    durationMs: 1,
    clientAddress: '127.0.0.1',
    method: 'GET',
    target: `/${n}`,
    protocol: 'HTTP/1.1',
    status: 200,
    outcome: { kind: 'hit', hit: true, bytes: 1 },
    requestId: `r${n}`,
    completed: true,
    referer: undefined,
    userAgent: undefined,
  };
}

class ArraySink implements AccessLogSink {
  writes: string[] = [];
  accepting = true;
  private drain: (() => void) | undefined;
  write(bytes: Uint8Array): boolean {
    this.writes.push(Buffer.from(bytes).toString());
    return this.accepting;
  }
  onDrain(callback: () => void): void {
    this.drain = callback;
  }
  release(): void {
    this.accepting = true;
    const d = this.drain;
    this.drain = undefined;
    d?.();
  }
  get lines(): string[] {
    return this.writes.join('').split('\n').filter((l) => l !== '');
  }
}

test('completed() only queues; one timer writes the batch as one write', () => {
  const timers = new ManualTimers();
  const sink = new ArraySink();
  const log = new AccessLog({ format: 'json', sink, timers, flushDelayMs: 100 });
  for (let i = 0; i < 3; i++) log.completed(event(i));
  assert.is(sink.writes.length, 0);
  assert.is(timers.scheduled, 1);
  timers.advance(99);
  assert.is(sink.writes.length, 0);
  timers.advance(1);
  assert.is(sink.writes.length, 1);
  assert.equal(sink.lines.map((l) => (JSON.parse(l) as { target: string }).target), ['/0', '/1', '/2']);
  assert.is(log.written, 3);
  assert.is(log.queued, 0);
});

test('a full queue drops and counts, never grows', () => {
  const timers = new ManualTimers();
  const sink = new ArraySink();
  const log = new AccessLog({ format: 'combined', sink, timers, maxQueued: 2 });
  for (let i = 0; i < 5; i++) log.completed(event(i));
  assert.is(log.queued, 2);
  assert.is(log.dropped, 3);
  timers.advance(1000);
  assert.is(sink.lines.length, 2);
  assert.match(sink.lines[0]!, /"GET \/0 HTTP\/1\.1" 200 1 /);
});

test('backpressure: after the sink refuses, nothing is written until it drains; the queue bound still holds', () => {
  const timers = new ManualTimers();
  const sink = new ArraySink();
  const log = new AccessLog({ format: 'json', sink, timers, maxQueued: 3, flushDelayMs: 10 });
  sink.accepting = false;
  log.completed(event(0));
  timers.advance(10);
  assert.is(sink.writes.length, 1); // handed over, then the sink said "full"
  for (let i = 1; i <= 5; i++) log.completed(event(i));
  timers.advance(1000);
  assert.is(sink.writes.length, 1, 'no write while blocked');
  assert.is(log.queued, 3);
  assert.is(log.dropped, 2);
  sink.release();
  timers.advance(0);
  assert.is(sink.writes.length, 2);
  assert.equal(sink.lines.map((l) => (JSON.parse(l) as { target: string }).target), ['/0', '/1', '/2', '/3']);
});

test('large backlogs go out as writes of at most maxBatch lines', () => {
  const timers = new ManualTimers();
  const sink = new ArraySink();
  const log = new AccessLog({ format: 'json', sink, timers, maxBatch: 2, flushDelayMs: 5 });
  for (let i = 0; i < 5; i++) log.completed(event(i));
  timers.advance(5);
  assert.equal(sink.writes.map((w) => w.split('\n').length - 1), [2, 2, 1]);
});

test('bytes handed to the sink never change afterwards, however many lines follow (a file stream keeps them until written)', () => {
  const timers = new ManualTimers();
  const kept: Uint8Array[] = [];
  const sink: AccessLogSink = { write: (bytes) => kept.push(bytes) > 0, onDrain: () => {} };
  const log = new AccessLog({ format: 'json', sink, timers, maxBatch: 3, maxQueued: 100_000 });
  const targets: string[] = [];
  for (let i = 0; i < 3000; i++) {
    // Lines of every length up to past one chunk, so the log both reuses and replaces its chunk.
    const target = i === 1500 ? `/${'x'.repeat(300 * 1024)}` : `/${i}/${'y'.repeat(i % 97)}`;
    targets.push(target);
    log.completed({ ...event(i), target });
    if (i % 7 === 0) log.flush();
  }
  log.flush();
  const lines = Buffer.concat(kept).toString().split('\n').filter((l) => l !== '');
  assert.equal(lines.map((l) => (JSON.parse(l) as { target: string }).target), targets);
  assert.is(log.written, 3000);
  assert.is(log.queued, 0);
});

test('a line with characters beyond Latin-1 is written as UTF-8 and still fits its chunk', () => {
  const timers = new ManualTimers();
  const kept: Uint8Array[] = [];
  const log = new AccessLog({ format: 'json', sink: { write: (bytes) => kept.push(bytes) > 0, onDrain: () => {} }, timers });
  const target = `/${'€'.repeat(100_000)}`;
  log.completed({ ...event(0), target });
  log.completed(event(1));
  log.flush();
  const lines = Buffer.concat(kept).toString('utf8').split('\n').filter((l) => l !== '');
  assert.equal(lines.map((l) => (JSON.parse(l) as { target: string }).target), [target, '/1']);
});

test("the edge's own numbered ids are written with the log's process prefix, in both formats", () => {
  for (const format of ['json', 'combined'] as const) {
    const sink = new ArraySink();
    const log = new AccessLog({ format, sink, timers: new ManualTimers(), requestIdPrefix: '0badcafe' });
    log.completed({ ...event(0), requestId: 1 });
    log.completed({ ...event(1), requestId: 36 });
    log.completed({ ...event(2), requestId: 'client-id' });
    log.flush();
    const ids = format === 'json' ? sink.lines.map((l) => (JSON.parse(l) as { requestId: string }).requestId) : sink.lines.map((l) => / id=(\S+)$/.exec(l)?.[1]);
    assert.equal(ids, ['0badcafe-1', '0badcafe-10', 'client-id'], format);
  }
});

test('flush() writes everything now (shutdown, SIGHUP)', () => {
  const timers = new ManualTimers();
  const sink = new ArraySink();
  const log = new AccessLog({ format: 'json', sink, timers, maxBatch: 2 });
  for (let i = 0; i < 3; i++) log.completed(event(i));
  log.flush();
  assert.is(sink.lines.length, 3);
  assert.is(timers.scheduled, 0);
});


/** Keeps each write's bytes as handed over (not copied) and its `written` callback, to be called by the test. */
class HoldingSink implements AccessLogSink {
  held: { bytes: Uint8Array; text: string; written: () => void }[] = [];
  write(bytes: Uint8Array, written: () => void): boolean {
    this.held.push({ bytes, text: Buffer.from(bytes).toString(), written });
    return true;
  }
  onDrain(): void {}
}

/** Writes `count` lines from `from`, flushing after each, so each line is a batch of its own. */
function fillChunks(log: AccessLog, sink: HoldingSink, from: number, count: number): number {
  let n = from;
  for (let i = 0; i < count; i++) {
    log.completed(event(n++));
    log.flush();
  }
  assert.ok(sink.held.length > 0);
  return n;
}

test('a chunk is reused only after the sink has written every batch in it, and bytes it still holds never change', () => {
  const sink = new HoldingSink();
  // A chunk of 2 KiB holds a few lines; every flush hands one batch over.
  const log = new AccessLog({ format: 'json', sink, timers: new ManualTimers(), chunkBytes: 2048 });
  let n = fillChunks(log, sink, 0, 100);
  const firstBuffers = new Set(sink.held.map((h) => h.bytes.buffer));
  assert.ok(firstBuffers.size >= 3, `lines spread over several chunks (${firstBuffers.size})`);
  // Nothing written yet: more lines must go to new chunks, and what the sink holds stays as it was.
  n = fillChunks(log, sink, n, 100);
  for (const h of sink.held) assert.is(Buffer.from(h.bytes).toString(), h.text, 'bytes held by the sink were overwritten');
  const allBuffers = new Set(sink.held.map((h) => h.bytes.buffer));
  for (const b of firstBuffers) assert.ok(allBuffers.has(b));
  assert.ok(allBuffers.size > firstBuffers.size, 'no chunk reused while its batches were pending');
  // The sink reports everything written: later lines reuse those chunks.
  const before = new Set(allBuffers);
  for (const h of sink.held.splice(0)) h.written();
  fillChunks(log, sink, n, 100);
  const reused = sink.held.filter((h) => before.has(h.bytes.buffer)).length;
  assert.ok(reused > 0, 'a written-out chunk was reused');
  assert.equal(
    sink.held.map((h) => h.text).join('').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { target: string }).target),
    Array.from({ length: 100 }, (_x, i) => `/${n + i}`),
  );
});

test('a chunk some of whose batches are still pending is not reused', () => {
  const sink = new HoldingSink();
  const log = new AccessLog({ format: 'json', sink, timers: new ManualTimers(), chunkBytes: 2048 });
  let n = fillChunks(log, sink, 0, 100);
  // Release all but the first batch: its chunk must stay out of reuse.
  const [first, ...rest] = sink.held.splice(0);
  for (const h of rest) h.written();
  n = fillChunks(log, sink, n, 200);
  assert.is(Buffer.from(first!.bytes).toString(), first!.text, 'a pending batch was overwritten');
  assert.ok(sink.held.every((h) => h.bytes.buffer !== first!.bytes.buffer), 'a chunk with a pending batch was reused');
  assert.ok(sink.held.some((h) => rest.some((r) => r.bytes.buffer === h.bytes.buffer)), 'written-out chunks were reused');
});

test.run();
