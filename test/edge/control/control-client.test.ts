/** The control-plane client against a scripted transport and hand-fired timers. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeSse, type ControlEvent, type PurgeRecord } from '../../../common/control-protocol.js';
import type { OutboundRequest, OutboundResponse, TimerHandle, Timers, Transport } from '../../../common/ports.js';
import { ControlClient, type ControlTarget } from '../../../edge/control/control-client.js';
import { FakeClock } from '../../support/fake-clock.js';

class ManualTimers implements Timers {
  pending: Array<{ atMs: number; fn: () => void; cancelled: boolean }> = [];
  constructor(private readonly clock: FakeClock) {}
  after(delayMs: number, fn: () => void): TimerHandle {
    const t = { atMs: this.clock.monoMs() + delayMs, fn, cancelled: false };
    this.pending.push(t);
    return { cancel: () => void (t.cancelled = true) };
  }
  /** Moves time forward, firing what falls due in order. */
  advance(ms: number): void {
    const until = this.clock.monoMs() + ms;
    for (;;) {
      const due = this.pending.filter((t) => !t.cancelled && t.atMs <= until).sort((a, b) => a.atMs - b.atMs)[0];
      if (due === undefined) break;
      this.clock.advance(due.atMs - this.clock.monoMs());
      due.cancelled = true;
      due.fn();
    }
    this.clock.advance(until - this.clock.monoMs());
  }
}

/** A stream body the test feeds; it stays silent until told otherwise, like a partitioned socket. */
class ScriptedStream implements AsyncIterator<Uint8Array> {
  private waiting: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private queued: Uint8Array[] = [];
  closed = false;
  push(event: ControlEvent): void {
    const chunk = new TextEncoder().encode(encodeSse(event));
    if (this.waiting !== undefined) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: chunk, done: false });
    } else this.queued.push(chunk);
  }
  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.queued.shift();
    if (chunk !== undefined) return Promise.resolve({ value: chunk, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }
  return(): Promise<IteratorResult<Uint8Array>> {
    this.closed = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function setup(controlUrl = 'http://cp.test') {
  const clock = new FakeClock();
  const timers = new ManualTimers(clock);
  const streams: ScriptedStream[] = [];
  const targets: string[] = [];
  const origins: string[] = [];
  const transport: Transport = {
    async request(req: OutboundRequest): Promise<OutboundResponse> {
      targets.push(`${req.method} ${req.target}`);
      origins.push(req.origin);
      if (req.target.startsWith('/stream')) {
        const s = new ScriptedStream();
        streams.push(s);
        return { status: 200, headers: [], body: { [Symbol.asyncIterator]: () => s }, discard: () => void s.return() };
      }
      return { status: 200, headers: [], body: { async *[Symbol.asyncIterator]() {} }, discard: () => undefined };
    },
    close: async () => undefined,
  };
  const applied: number[] = [];
  const logs: string[] = [];
  let flushedTo = -1;
  let leaseMs = 0;
  const target: ControlTarget = {
    applyPurge: (r: PurgeRecord) => void applied.push(r.seq),
    flush: (seq) => void (flushedTo = seq),
    renewLease: (ms) => void (leaseMs = ms),
    get appliedSeq() {
      return Math.max(flushedTo, applied[applied.length - 1] ?? 0);
    },
    load: () => ({ requests: 0, errors: 0 }),
  };
  const client = new ControlClient({
    controlUrl,
    token: 'token-0123456789abcdef',
    edgeId: 'e1',
    region: 'r',
    edgeUrl: 'http://e1.test',
    weight: 1,
    target,
    transport,
    timers,
    clock,
    random: { next: () => 0.5 },
    logger: { log: (_level, message) => void logs.push(message) },
    streamIdleMs: 15_000,
    reconnectMinMs: 100,
    reconnectMaxMs: 1000,
  });
  const liveTimers = (): number => timers.pending.filter((x) => !x.cancelled).length;
  return { clock, timers, streams, targets, origins, applied, logs, client, liveTimers, flushed: () => flushedTo, lease: () => leaseMs };
}

const hello = (lastSeq: number): ControlEvent => ({ event: 'hello', data: { logId: 'L', lastSeq, leaseMs: 6000, heartbeatIntervalMs: 1000 } });

/** Started, the first stream open, and `events` read from it. */
async function streaming(t: ReturnType<typeof setup>, ...events: ControlEvent[]): Promise<void> {
  t.client.start();
  await settle();
  for (const e of events) t.streams[0]!.push(e);
  await settle();
}
const purge = (seq: number): ControlEvent => ({ event: 'purge', data: { seq, id: `p${seq}`, kind: 'url', values: ['h/x'], soft: false, acceptedAtMs: 0 } });

test('a fresh client flushes what it cached before the stream, then applies purges in order and renews its lease', async () => {
  const t = setup();
  t.client.start();
  await settle();
  assert.is(t.targets[0], 'GET /stream?edge=e1', 'no after: the cache is empty');
  t.streams[0]!.push(hello(7));
  t.streams[0]!.push(purge(8));
  t.streams[0]!.push(purge(9));
  t.streams[0]!.push({ event: 'lease', data: { leaseUntilMs: 0, issuedAtMs: 0, leaseMs: 6000, throughSeq: 9 } });
  await settle();
  assert.is(t.flushed(), 7);
  assert.equal(t.applied, [8, 9]);
  assert.is(t.lease(), 6000);
  t.client.stop();
});

test('a silent stream (a partition) is reopened after half a lease, resuming after the last applied purge', async () => {
  const t = setup();
  await streaming(t, hello(0), purge(1));
  t.timers.advance(2999);
  await settle();
  assert.is(t.streams.length, 1, 'not yet: silence shorter than half the 6 s lease');
  t.timers.advance(1);
  await settle();
  t.timers.advance(1000); // back-off before reconnecting
  await settle();
  assert.is(t.streams.length, 2);
  assert.is(t.targets.filter((x) => x.startsWith('GET /stream')).pop(), 'GET /stream?edge=e1&after=1&log=L');
  t.client.stop();
});

test('stop() with a chunk already read: nothing is applied and no watchdog is left to fire "silent; reopening" later', async () => {
  const t = setup();
  t.client.start();
  await settle();
  t.streams[0]!.push(hello(0));
  await settle();
  // The chunk is handed to the waiting read now; the client's loop sees it only after stop().
  t.streams[0]!.push(purge(1));
  t.client.stop();
  await settle();
  assert.equal(t.applied, []);
  assert.is(t.liveTimers(), 0, 'no timer outlives stop()');
  t.timers.advance(60_000);
  await settle();
  assert.equal(t.logs, []);
  assert.is(t.streams.length, 1, 'never reconnected');
});

test('stop() while the stream request is in flight: the answer is discarded, the client stays stopped', async () => {
  const t = setup();
  t.client.start();
  t.client.stop();
  await settle();
  assert.is(t.client.state, 'stopped');
  assert.ok(t.streams[0]!.closed, 'the stream that arrived after stop() is closed');
  assert.is(t.liveTimers(), 0);
  t.timers.advance(60_000);
  await settle();
  assert.equal(t.logs, []);
  assert.is(t.streams.length, 1);
});

test('start() after stop(): one stream, resuming after the applied purge, and acks go out again', async () => {
  const t = setup();
  await streaming(t, hello(0), purge(1));
  // Stopped before the coalesced ack went out: its timer must not keep later acks from being sent.
  t.client.stop();
  t.client.start();
  await settle();
  assert.is(t.streams.length, 2);
  assert.is(t.targets[t.targets.length - 1], 'GET /stream?edge=e1&after=1&log=L');
  t.streams[1]!.push(hello(1));
  t.streams[1]!.push(purge(2));
  await settle();
  t.timers.advance(10);
  await settle();
  assert.equal(t.applied, [1, 2]);
  assert.ok(t.targets.includes('POST /acks'), `an ack after the restart (requests: ${t.targets.join(', ')})`);
  t.client.stop();
});

test('stop() then start() while the first GET /stream is in flight: only the second stream is read', async () => {
  const t = setup();
  t.client.start();
  t.client.stop();
  t.client.start();
  await settle();
  assert.is(t.streams.length, 2);
  assert.ok(t.streams[0]!.closed, 'the first answer is discarded');
  assert.not.ok(t.streams[1]!.closed);
  t.streams[1]!.push(hello(0));
  t.streams[1]!.push(purge(1));
  await settle();
  assert.equal(t.applied, [1]);
  assert.is(t.client.state, 'streaming');
  t.client.stop();
});

test('a purge already applied is not applied twice after a reconnect replays it', async () => {
  const t = setup();
  await streaming(t, hello(0), purge(1));
  void t.streams[0]!.return();
  await settle();
  t.timers.advance(1000);
  await settle();
  t.streams[1]!.push(hello(1));
  t.streams[1]!.push(purge(1));
  t.streams[1]!.push(purge(2));
  await settle();
  assert.equal(t.applied, [1, 2]);
  t.client.stop();
});

test('several control-plane URLs: a failed replica is left for the next, resuming after the applied seq with no flush', async () => {
  const t = setup('http://cp1.test,http://cp2.test,http://cp3.test');
  t.client.start();
  await settle();
  assert.is(t.origins[0], 'http://cp1.test');
  t.streams[0]!.push(hello(0));
  t.streams[0]!.push(purge(1));
  t.streams[0]!.push(purge(2));
  await settle();
  void t.streams[0]!.return(); // cp1 dies
  await settle();
  t.timers.advance(100); // the next replica is tried after the minimum delay, not a grown back-off
  await settle();
  assert.is(t.streams.length, 2);
  assert.is(t.origins[t.origins.length - 1], 'http://cp2.test');
  assert.is(t.targets[t.targets.length - 1], 'GET /stream?edge=e1&after=2&log=L', 'resumes after what it applied, naming the log');
  assert.is(t.client.currentUrl, 'http://cp2.test');
  t.streams[1]!.push(hello(3));
  t.streams[1]!.push(purge(3));
  await settle();
  t.timers.advance(10);
  await settle();
  assert.equal(t.applied, [1, 2, 3]);
  assert.is(t.flushed(), 0, 'only the first hello flushed (an empty cache at seq 0); moving replicas did not');
  assert.is(t.origins[t.origins.length - 1], 'http://cp2.test', 'acks and heartbeats follow the stream');
  // Every replica failing in a row: the client cycles back to the first.
  void t.streams[1]!.return();
  await settle();
  t.timers.advance(100);
  await settle();
  assert.is(t.client.currentUrl, 'http://cp3.test');
  void t.streams[2]!.return();
  await settle();
  t.timers.advance(1000);
  await settle();
  assert.is(t.client.currentUrl, 'http://cp1.test');
  t.client.stop();
});

test.run();
