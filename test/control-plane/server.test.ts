/**
 * The control plane over real loopback HTTP with a hand-moved clock: auth, validation, purge
 * acceptance, streams (replay, catch-up, flush, leases, membership) and restart over a real file.
 * Ordering is awaited through stream events, never sleeps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PurgeRecord } from '../../common/control-protocol.js';
import { FileLogStorage } from '../../control-plane/adapters/file-log-storage.js';
import { FakeClock } from '../support/fake-clock.js';
import { startControlPlane, TOKEN, type CpHarness } from './support/harness.js';

async function withCp(options: Parameters<typeof startControlPlane>[0], body: (h: CpHarness) => Promise<void>): Promise<void> {
  const h = await startControlPlane(options);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

/** Yields to the event loop until the condition holds (server-side effects of a socket close). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

const heartbeat = (edge: string, region = 'eu', extra: Record<string, unknown> = {}) => ({
  edge,
  region,
  url: `http://127.0.0.1:${8000 + Number(edge.replace(/\D/g, '') || 0)}`,
  appliedSeq: 0,
  load: { requestsPerSec: 10, errorRate: 0 },
  ...extra,
});

test('every endpoint answers 401 without the token or with a wrong one', async () => {
  await withCp({}, async (h) => {
    const endpoints: Array<[string, string, unknown]> = [
      ['POST', '/purges', { kind: 'all' }],
      ['GET', '/purges/p1-0', undefined],
      ['POST', '/heartbeats', heartbeat('e1')],
      ['POST', '/acks', { edge: 'e1', appliedSeq: 0 }],
      ['GET', '/edges', undefined],
      ['GET', '/regions', undefined],
      ['GET', '/stream?edge=e1', undefined],
      ['GET', '/nope', undefined],
    ];
    for (const auth of <Array<Record<string, string>>>[{}, { authorization: 'Bearer wrong-token' }, { authorization: TOKEN }, { authorization: `Bearer ${TOKEN}x` }]) {
      for (const [method, path, body] of endpoints) {
        const reply = await h.send(method, path, body, auth);
        assert.is(reply.status, 401, `${method} ${path} with ${JSON.stringify(auth)}`);
        assert.is(reply.headers['www-authenticate'], 'Bearer');
      }
    }
    assert.is(h.log.lastSeq(), 0, 'nothing was accepted');
  });
});

test('bad bodies and parameters get 400 naming the field', async () => {
  await withCp({ config: { limits: { maxValuesPerPurge: 2 } } }, async (h) => {
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/purges', '{not json', 'body'],
      ['POST', '/purges', '', 'body'],
      ['POST', '/purges', { kind: 'nope', values: ['x'] }, 'kind'],
      ['POST', '/purges', { kind: 'url' }, 'values'],
      ['POST', '/purges', { kind: 'key', values: ['a', 'b', 'c'] }, 'values'],
      ['POST', '/purges', { kind: 'prefix', values: ['example.com/ok', 'no slash'] }, 'values.1'],
      ['POST', '/purges', { kind: 'all', soft: 1 }, 'soft'],
      ['POST', '/heartbeats', heartbeat('e1', 'eu', { load: { requestsPerSec: -1, errorRate: 0 } }), 'load.requestsPerSec'],
      ['POST', '/heartbeats', { ...heartbeat('e1'), region: undefined }, 'region'],
      ['POST', '/acks', { edge: 'e1', appliedSeq: 'x' }, 'appliedSeq'],
    ];
    for (const [method, path, body, field] of cases) {
      const reply = await h.send(method, path, body);
      assert.is(reply.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`);
      assert.is(reply.body.field, field, reply.body.error);
      assert.ok(reply.body.error.startsWith(`${field}: `), reply.body.error);
    }
    await h.register('e1');
    const ahead = await h.send('POST', '/acks', { edge: 'e1', appliedSeq: 5 });
    assert.is(ahead.status, 409);
    assert.is(ahead.body.field, 'appliedSeq');
    for (const [query, field] of [['', 'edge'], ['edge=a%20b', 'edge'], ['edge=e1&after=-1', 'after'], ['edge=e1&after=x', 'after'], ['edge=e1&url=ftp://x', 'url']] as const) {
      const reply = await h.send('GET', `/stream?${query}`);
      assert.is(reply.status, 400, query);
      assert.ok(reply.body.error.startsWith(`${field}: `), reply.body.error);
    }
    assert.is((await h.send('GET', '/purges')).status, 405);
    assert.is((await h.send('DELETE', '/edges')).status, 405);
    assert.is((await h.send('GET', '/unknown')).status, 404);
    assert.is(h.log.lastSeq(), 0);
  });
});

test('oversized bodies get 413 without being parsed', async () => {
  await withCp({ config: { limits: { maxBodyBytes: 256 } } }, async (h) => {
    const reply = await h.send('POST', '/purges', { kind: 'key', values: ['k'.repeat(400)] });
    assert.is(reply.status, 413);
    assert.is(reply.body.field, 'body');
  });
});

test('POST /purges answers 202 with id and seq once durable; GET /purges/:id finds it', async () => {
  await withCp({}, async (h) => {
    const reply = await h.send('POST', '/purges', { kind: 'url', values: ['https://example.com/a'], soft: true });
    assert.is(reply.status, 202);
    assert.is(reply.body.seq, 1);
    assert.is(reply.headers['location'], `/purges/${reply.body.id}`);
    assert.equal(h.log.get(1)?.values, ['https://example.com/a']);
    const receipt = await h.send('GET', `/purges/${reply.body.id}`);
    assert.is(receipt.status, 200);
    assert.is(receipt.body.soft, true);
    assert.is(receipt.body.kind, 'url');
    assert.is((await h.send('GET', '/purges/p9-0')).status, 404);
    assert.is((await h.send('GET', '/purges/p1-0')).status, 404, 'right seq, wrong id');
    assert.is((await h.send('GET', '/purges/whatever')).status, 404);
  });
});

test('stream: hello, membership and lease on connect, then live purges with id = seq', async () => {
  await withCp({ config: { leaseMs: 9_000 } }, async (h) => {
    await h.register('e1');
    await h.send('POST', '/heartbeats', heartbeat('e1'));
    const s = await h.stream('edge=e1');
    assert.is(s.status, 200);
    assert.match(s.contentType ?? '', /^text\/event-stream/);
    const hello = await s.next();
    assert.equal(hello, { event: 'hello', data: { logId: 'test-log', lastSeq: 0, leaseMs: 9_000, heartbeatIntervalMs: 1_000 } });
    const membership = await s.next();
    assert.is(membership.event, 'membership');
    if (membership.event === 'membership') assert.equal(membership.data.members, [{ id: 'e1', url: 'http://127.0.0.1:8001', region: 'eu', weight: 1, health: 'healthy' }]);
    const lease = await s.next();
    assert.equal(lease, { event: 'lease', data: { leaseUntilMs: h.clock.wallMs() + 9_000, issuedAtMs: h.clock.wallMs(), leaseMs: 9_000, throughSeq: 0 } });

    const accepted = await h.purge({ kind: 'key', values: ['k1'] });
    const [record] = await s.purges(1);
    assert.equal(record, { seq: 1, id: accepted.id, kind: 'key', values: ['k1'], soft: false, acceptedAtMs: h.clock.wallMs() });

    // Leases are renewed every leaseMs/3 on the stream.
    h.timers.advance(3_000);
    const renewed = await s.until('lease');
    assert.is(renewed.data.issuedAtMs, h.clock.wallMs());
    assert.is(renewed.data.throughSeq, 1);
  });
});

test('membership is held back for a while after start: edges are down until they heartbeat', async () => {
  await withCp({ config: { health: { membershipAfterMs: 3_000 } } }, async (h) => {
    const s = await h.stream('edge=e1');
    assert.is((await s.next()).event, 'hello');
    assert.is((await s.next()).event, 'lease', 'no membership yet: it would name no one but the unheartbeated');
    await h.send('POST', '/heartbeats', heartbeat('e1'));
    h.timers.advance(3_000);
    const membership = await s.until('membership');
    assert.equal(membership.data.members.map((m) => m.id), ['e1']);
  });
});

test('a disconnected reader catches up on 100 purges in order, then gets a lease', async () => {
  await withCp({}, async (h) => {
    const first = await h.stream('edge=e1');
    const hello = await first.until('hello');
    await first.until('lease');
    for (let n = 1; n <= 3; n++) await h.purge({ kind: 'url', values: [`example.com/${n}`] });
    const seen = await first.purges(3);
    first.close();
    await eventually(() => h.cp.hub.size === 0, 'server noticed the disconnect');

    const ids = new Map<number, string>();
    for (let n = 4; n <= 103; n++) {
      const accepted = await h.purge({ kind: 'url', values: [`example.com/${n}`] });
      ids.set(accepted.seq, accepted.id);
    }
    const last = seen[seen.length - 1]!.seq;
    const again = await h.stream(`edge=e1&after=${last}&log=${hello.data.logId}`);
    const caughtUp = await again.purges(100);
    assert.equal(caughtUp.map((r) => r.seq), Array.from({ length: 100 }, (_, i) => i + 4));
    for (const r of caughtUp) assert.is(r.id, ids.get(r.seq));
    assert.equal(caughtUp.map((r) => r.values[0]), Array.from({ length: 100 }, (_, i) => `example.com/${i + 4}`));
    const lease = await again.next();
    assert.is(lease.event, 'lease', 'the lease follows the replay');
    if (lease.event === 'lease') assert.is(lease.data.throughSeq, 103);
  });
});

test('a reader behind the retained log is told to flush; one just inside replays', async () => {
  await withCp({ config: { log: { retainCount: 10 } } }, async (h) => {
    for (let n = 1; n <= 30; n++) await h.purge({ kind: 'key', values: [`k${n}`] });
    assert.is(h.log.oldestRetainedSeq(), 21);

    const behind = await h.stream('edge=e1&after=19&log=test-log');
    assert.is((await behind.next()).event, 'hello');
    assert.equal(await behind.next(), { event: 'flush', data: { upToSeq: 30, reason: 'behind-retention' } });
    assert.is((await behind.next()).event, 'membership');
    const lease = await behind.next();
    assert.is(lease.event, 'lease', 'no purges replayed after a flush');
    if (lease.event === 'lease') assert.is(lease.data.throughSeq, 30);
    await h.purge({ kind: 'key', values: ['k31'] });
    assert.equal((await behind.purges(1)).map((r) => r.seq), [31]);

    assert.is(h.log.oldestRetainedSeq(), 22);
    const inside = await h.stream('edge=e2&after=21&log=test-log');
    assert.equal((await inside.purges(10)).map((r) => r.seq), [22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);
    assert.ok(!inside.events.some((e) => e.event === 'flush'));

    const otherLog = await h.stream('edge=e3&after=25&log=another-log');
    assert.equal((await otherLog.until('flush')).data, { upToSeq: 31, reason: 'log-changed' });
    const ahead = await h.stream('edge=e4&after=500');
    assert.equal((await ahead.until('flush')).data, { upToSeq: 31, reason: 'ahead-of-log' });
    const fresh = await h.stream('edge=e5');
    assert.is((await fresh.until('lease')).data.throughSeq, 31);
    assert.ok(!fresh.events.some((e) => e.event === 'flush' || e.event === 'purge'), 'an empty edge starts at the end');

    const edges = (await h.send('GET', '/edges')).body.edges as Array<{ id: string; appliedSeq: number }>;
    assert.equal(edges.map((e) => [e.id, e.appliedSeq]), [['e1', 0], ['e2', 0], ['e3', 0], ['e4', 0], ['e5', 31]], 'a flushed edge counts only once it acks');
    assert.is((await h.send('POST', '/acks', { edge: 'e1', appliedSeq: 31 })).body.appliedSeq, 31);
  });
});

test('restart mid-stream: the reader resumes from its last seq and sees every purge exactly once, in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cp-restart-'));
  const clock = new FakeClock();
  const received: PurgeRecord[] = [];
  const acknowledged = new Map<number, string>();
  try {
    const first = await startControlPlane({ storage: await FileLogStorage.create(dir), clock, logId: 'disk-log' });
    let logId = '';
    try {
      const s = await first.stream('edge=e1&after=0');
      logId = (await s.until('hello')).data.logId;
      // Requests cut off by the stop are expected to fail; settle them at once so none goes unhandled.
      const posts = Array.from({ length: 50 }, (_, i) =>
        first.send('POST', '/purges', { kind: 'url', values: [`example.com/${i}`] }).then(
          (reply) => ({ status: 'fulfilled' as const, value: reply }),
          () => ({ status: 'rejected' as const }),
        ),
      );
      received.push(...(await s.purges(20)));
      // Stop while purges are still arriving; take whatever reached the reader before the end.
      const ended = s.closedByServer();
      await first.close();
      await ended;
      for (const e of s.events.slice()) if (e.event === 'purge' && !received.some((r) => r.seq === e.data.seq)) received.push(e.data);
      for (const r of await Promise.all(posts)) if (r.status === 'fulfilled' && r.value.status === 202) acknowledged.set(r.value.body.seq, r.value.body.id);
    } finally {
      await first.close();
    }
    assert.ok(acknowledged.size >= 20, `${acknowledged.size} acknowledged before the restart`);

    const second = await startControlPlane({ storage: await FileLogStorage.create(dir), clock, logId: 'must-not-change' });
    try {
      for (let n = 0; n < 30; n++) {
        const accepted = await second.purge({ kind: 'key', values: [`after-restart-${n}`] });
        acknowledged.set(accepted.seq, accepted.id);
      }
      const lastSeq = second.log.lastSeq();
      const resumed = await second.stream(`edge=e1&after=${received[received.length - 1]!.seq}&log=${logId}`);
      assert.is((await resumed.until('hello')).data.logId, 'disk-log');
      while (received[received.length - 1]!.seq < lastSeq) received.push(...(await resumed.purges(1)));
      assert.ok(!resumed.events.some((e) => e.event === 'flush'));
    } finally {
      await second.close();
    }
    assert.equal(received.map((r) => r.seq), Array.from({ length: received.length }, (_, i) => i + 1), 'dense, ordered, no duplicates');
    for (const [seq, id] of acknowledged) assert.is(received[seq - 1]?.id, id, `acknowledged seq ${seq} delivered`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('membership and health: heartbeats join, silence degrades then downs, pushed on change', async () => {
  await withCp({}, async (h) => {
    const s = await h.stream('edge=watcher');
    const initial = await s.until('membership');
    assert.equal(initial.data.members, [], 'the watcher sent no URL, so it is not a member');
    await h.register('e1');
    await h.register('e2');
    await h.send('POST', '/heartbeats', heartbeat('e1', 'eu'));
    await h.send('POST', '/heartbeats', heartbeat('e2', 'us', { weight: 2 }));
    assert.equal((await s.until('membership')).data.members.map((m) => m.id), ['e1']);
    const both = await s.until('membership');
    assert.equal(both.data.members.map((m) => [m.id, m.region, m.weight, m.health]), [['e1', 'eu', 1, 'healthy'], ['e2', 'us', 2, 'healthy']]);

    h.timers.advance(2_000);
    await h.send('POST', '/heartbeats', heartbeat('e1', 'eu', { load: { requestsPerSec: 5, errorRate: 0.01 } }));
    h.timers.advance(2_000); // e2 silent for 4 s: degraded; e1 fine
    const degraded = await s.until('membership');
    assert.equal(degraded.data.members.map((m) => m.health), ['healthy', 'degraded']);
    const regions = (await h.send('GET', '/regions')).body.regions;
    assert.equal(regions, [
      { region: 'eu', health: 'healthy', members: 1, healthy: 1, degraded: 0, down: 0 },
      { region: 'us', health: 'degraded', members: 1, healthy: 0, degraded: 1, down: 0 },
    ]);
    h.timers.advance(7_000); // e2 silent for 11 s, e1 for 9 s
    // Each change on the way was pushed: e1 degraded at 5 s of silence, e2 down past 10 s.
    const first = await s.until('membership');
    assert.equal(first.data.members.map((m) => m.health), ['degraded', 'degraded']);
    const later = await s.until('membership');
    assert.equal(later.data.members.map((m) => m.health), ['degraded', 'down']);
    const edges = (await h.send('GET', '/edges')).body.edges;
    assert.equal(edges.map((e: { id: string; health: string; streamConnected: boolean }) => [e.id, e.health, e.streamConnected]), [['e1', 'degraded', false], ['e2', 'down', false], ['watcher', 'down', true]]);
  });
});

test('stream limits: a second edge beyond maxStreams gets 503; the same edge reconnecting replaces its stream', async () => {
  await withCp({ config: { limits: { maxStreams: 1 } } }, async (h) => {
    const a = await h.stream('edge=e1');
    await a.until('lease');
    const refused = await h.send('GET', '/stream?edge=e2');
    assert.is(refused.status, 503);
    assert.is(refused.headers['retry-after'], '5');
    const replacement = await h.stream('edge=e1');
    await replacement.until('lease');
    await a.closedByServer();
    assert.is(h.cp.hub.size, 1);
  });
});

test.run();
