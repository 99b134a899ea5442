/**
 * Hostile requests against the control plane over real loopback sockets. Timeouts run on the
 * harness's ManualTimers (the test moves them), and server-side effects are awaited by yielding
 * to the event loop a bounded number of turns, never by sleeping.
 */
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADMIN_TOKEN, EDGE_TOKEN, startControlPlane, type CpHarness } from './support/harness.js';

async function withCp(body: (h: CpHarness) => Promise<void>, options: Parameters<typeof startControlPlane>[0] = {}): Promise<void> {
  const h = await startControlPlane({ ...options, server: { headersTimeoutMs: 1_000, bodyTimeoutMs: 2_000, maxReportBodyBytes: 4096, ...options.server } });
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

/** Yields to the event loop until the condition holds (bounded by turns, not time). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

/** A raw connection that records what the server sends and whether it closed. */
async function raw(url: string): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  return { socket, received: () => text, closed: () => closed };
}

const heartbeat = (edge: string, url = 'http://127.0.0.1:8001') => ({ edge, region: 'eu', url, appliedSeq: 0, load: { requestsPerSec: 0, errorRate: 0 } });

test('an unauthenticated request is answered 401 before its body arrives, and its connection closed', () =>
  withCp(async (h) => {
    const c = await raw(h.url);
    // Declares 1,000,000 bytes (under the 1 MiB purge limit) and sends ten of them.
    c.socket.write('POST /purges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n0123456789');
    await eventually(() => c.received().includes('\r\n\r\n'), 'an answer without the body');
    assert.match(c.received(), /^HTTP\/1\.1 401 /);
    await eventually(c.closed, 'the connection closed');
    assert.is(h.log.lastSeq(), 0);
  }));

test('report bodies have a small limit of their own: a 5 KB ack is 413', () =>
  withCp(async (h) => {
    await h.register('e1');
    const padded = `{"edge":"e1","appliedSeq":0${' '.repeat(5000)}}`;
    const reply = await h.send('POST', '/acks', padded, { authorization: `Bearer ${EDGE_TOKEN}` });
    assert.is(reply.status, 413);
    assert.is(reply.body.field, 'body');
  }));

test('headers that never finish: the connection is closed after headersTimeoutMs', () =>
  withCp(async (h) => {
    const c = await raw(h.url);
    c.socket.write('GET /edges HTTP/1.1\r\nHost: x\r\n');
    // The health check is due at the same instant; the connection's deadline is the second.
    await eventually(() => h.timers.dueTimes().filter((t) => t === h.clock.monoMs() + 1_000).length >= 2, 'the headers deadline armed');
    h.timers.advance(999);
    for (let i = 0; i < 50; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.not.ok(c.closed(), 'not before the deadline');
    h.timers.advance(1);
    await eventually(c.closed, 'closed at the headers deadline');
  }));

test('a body that never finishes: 408 after bodyTimeoutMs, nothing accepted', () =>
  withCp(async (h) => {
    const c = await raw(h.url);
    c.socket.write(`POST /purges HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"kind":`);
    const bodyDeadline = h.clock.monoMs() + 2_000;
    await eventually(() => h.timers.dueTimes().includes(bodyDeadline), 'the body deadline armed');
    h.timers.advance(2_000);
    await eventually(() => c.received().includes('\r\n\r\n'), 'an answer');
    assert.match(c.received(), /^HTTP\/1\.1 408 /);
    assert.match(c.received(), /limits\.bodyTimeoutMs/);
    assert.is(h.log.lastSeq(), 0);
  }));

test('malformed percent-encoding and invalid targets are 400, never 500', () =>
  withCp(async (h) => {
    for (const target of ['/purges/%E0%A4%A', '/purges/%zz', '//x:99999/edges']) {
      const c = await raw(h.url);
      c.socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nConnection: close\r\n\r\n`);
      await eventually(c.closed, `answer to ${target}`);
      assert.match(c.received(), /^HTTP\/1\.1 400 /, `${target}: ${c.received()}`);
    }
  }));

test('control characters are refused in purge URLs, heartbeat URLs and stream URLs', () =>
  withCp(async (h) => {
    const purge = await h.send('POST', '/purges', { kind: 'url', values: ['http://example.com/a\u0001b'] });
    assert.is(purge.status, 400);
    assert.is(purge.body.field, 'values.0');
    const bare = await h.send('POST', '/purges', { kind: 'url', values: ['example.com/a\u007fb'] });
    assert.is(bare.status, 400);
    await h.register('e1');
    const hb = await h.send('POST', '/heartbeats', heartbeat('e1', 'http://a\u0001b:1'));
    assert.is(hb.status, 400);
    assert.is(hb.body.field, 'url');
    const stream = await h.send('GET', '/stream?edge=e2&url=http://a%01b:1');
    assert.is(stream.status, 400);
    assert.is(h.log.lastSeq(), 0);
  }));

test('acks and heartbeats from unknown or unauthenticated edges are refused and never registered', () =>
  withCp(async (h) => {
    assert.is((await h.send('POST', '/heartbeats', heartbeat('ghost'))).status, 404);
    assert.is((await h.send('POST', '/acks', { edge: 'ghost', appliedSeq: 0 })).status, 404);
    assert.is((await h.send('POST', '/heartbeats', heartbeat('e9'), {})).status, 401);
    assert.is((await h.send('POST', '/heartbeats', heartbeat('e9'), { authorization: `Bearer ${ADMIN_TOKEN}` })).status, 401, 'the admin token is not an edge credential');
    assert.is((await h.send('POST', '/purges', { kind: 'all' }, { authorization: `Bearer ${EDGE_TOKEN}` })).status, 401, 'the edge token cannot purge');
    const edges = await h.send('GET', '/edges');
    assert.equal(edges.body.edges, [], 'nobody was registered');
    assert.is(h.cp.stats.rejectedUnknownEdge, 2);
  }));

test.run();
