/**
 * The own HTTP/1.1 server over loopback sockets with raw bytes: keep-alive, HTTP/1.0, pipelining,
 * streamed bodies, 100-continue, HEAD/204/304 framing, rejections, timeouts (on hand-fired timers),
 * backpressure and graceful drain.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Clock, TimerHandle, Timers } from '../../../../common/ports.js';
import { connectionOptions, Http1Server, serveHttp1, SERVING_EVENT, type Http1ServerOptions } from '../../../../edge/adapters/http1/server.js';
import type { CompletedRequest } from '../../../../edge/pipeline/request-events.js';
import type { EdgeRequest, EdgeResponse } from '../../../../edge/pipeline/types.js';
import { ManualTimers } from '../../../support/manual-timers.js';
import { openRaw, readUntil, splitResponses } from '../../../support/raw-http.js';
import { silent } from '../../../support/test-edge-options.js';

/** Timers that fire only when the test says so. */
class HandTimers implements Timers {
  readonly pending = new Set<{ delayMs: number; callback: () => void }>();
  after(delayMs: number, callback: () => void): TimerHandle {
    const t = { delayMs, callback };
    this.pending.add(t);
    return { cancel: () => void this.pending.delete(t) };
  }
  fire(delayMs: number): number {
    let n = 0;
    for (const t of [...this.pending]) {
      if (t.delayMs === delayMs) {
        this.pending.delete(t);
        t.callback();
        n++;
      }
    }
    return n;
  }
}

const OUTCOME = { kind: 'hit', bytes: 0, hit: true } as const;

async function readAll(body: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  if (body === undefined) return '';
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString('latin1');
}

/** Echoes what it received as JSON; `/status/N` answers N; `/stream` streams two chunks. */
/** A handler that reads the whole request body and remembers why reading it failed, if it did. */
function bodyReader(): { handler: (req: EdgeRequest) => Promise<EdgeResponse>; failure: () => string } {
  let failed = '';
  return {
    async handler(req) {
      try {
        await readAll(req.body);
      } catch (err) {
        failed = (err as Error).message;
      }
      return { status: 200, headers: [], body: Buffer.from('x'), outcome: OUTCOME };
    },
    failure: () => failed,
  };
}

/** One turn of the event loop (setImmediate): lets sockets and streams move without real time passing. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function echo(req: EdgeRequest): Promise<EdgeResponse> {
  const body = await readAll(req.body);
  const m = /^\/status\/(\d{3})$/.exec(req.target);
  if (m !== null) return { status: Number(m[1]), headers: ['etag', '"x"'], body: undefined, outcome: OUTCOME };
  if (req.target === '/stream') {
    async function* gen(): AsyncIterable<Uint8Array> {
      yield Buffer.from('ab');
      yield Buffer.from('cd');
    }
    return { status: 200, headers: ['content-type', 'text/plain'], body: gen(), outcome: OUTCOME };
  }
  if (req.target === '/throw') throw new Error('boom');
  const json = JSON.stringify({ method: req.method, target: req.target, headers: req.headers, body });
  return { status: 200, headers: ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(json))], body: Buffer.from(json), outcome: OUTCOME };
}

/** An Http1Server on 127.0.0.1 port 0 with these timers and clock; its accepted sockets are kept for inspection. */
/** Options a test adds to the fixed ones below (pipelining bound, read path). */
type ExtraOptions = Pick<Http1ServerOptions, 'maxPipelinedBytes' | 'reuseReadBuffer'>;

async function listenWith<T extends Timers>(handler: (req: EdgeRequest) => EdgeResponse | Promise<EdgeResponse>, timers: T, clock: Clock, extra: ExtraOptions = {}) {
  const server = new Http1Server(handler, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 1000, timers, clock, logger: silent, ...extra });
  const serverSockets: Socket[] = [];
  server.on(SERVING_EVENT, (sock: Socket) => serverSockets.push(sock));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    timers,
    serverSockets,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function start(handler: (req: EdgeRequest) => EdgeResponse | Promise<EdgeResponse> = echo, extra: ExtraOptions = {}) {
  return listenWith(handler, new HandTimers(), { wallMs: () => 1_700_000_000_000, monoMs: () => 0 }, extra);
}

const responsesIn = (n: number, heads: boolean[] = []) => (text: string) => splitResponses(text, heads).responses.length >= n;
const json = (body: string) => JSON.parse(body) as { method: string; target: string; headers: Record<string, string>; body: string };

test('keep-alive: two requests on one connection, Content-Length framing, Date added', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    c.write('GET /one HTTP/1.1\r\nHost: a\r\n\r\n');
    const r1 = await readUntil(c, responsesIn(1));
    c.write('GET /two HTTP/1.1\r\nHost: a\r\n\r\n');
    const r2 = await readUntil(c, responsesIn(1));
    const [a] = splitResponses(r1.text).responses;
    const [b] = splitResponses(r2.text).responses;
    assert.is(json(a!.body).target, '/one');
    assert.is(json(b!.body).target, '/two');
    assert.ok(a!.headers.some(([k, v]) => k === 'date' && v === 'Tue, 14 Nov 2023 22:13:20 GMT'));
    assert.not.ok(r2.closed);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('pipelining: three requests in one write are answered in order; a HEAD in between has no body', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    c.write('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n');
    const r = await readUntil(c, responsesIn(3, [false, true, false]));
    const { responses, rest } = splitResponses(r.text, [false, true, false]);
    assert.is(json(responses[0]!.body).target, '/1');
    assert.is(responses[1]!.body, '');
    assert.ok(responses[1]!.headers.some(([k]) => k === 'content-length'), 'HEAD keeps the GET Content-Length');
    assert.is(json(responses[2]!.body).target, '/3');
    assert.is(rest, '');
    c.destroy();
  } finally {
    await s.close();
  }
});

test('204 and 304 carry no body and no Content-Length; the next request still parses', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    c.write('GET /status/204 HTTP/1.1\r\nHost: a\r\n\r\nGET /status/304 HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n');
    const r = await readUntil(c, responsesIn(3));
    const { responses } = splitResponses(r.text);
    assert.equal(responses.map((x) => x.status), [204, 304, 200]);
    for (const x of responses.slice(0, 2)) assert.not.ok(x.headers.some(([k]) => k === 'content-length' || k === 'transfer-encoding'));
    c.destroy();
  } finally {
    await s.close();
  }
});

test('HTTP/1.0: closed after the answer unless keep-alive was asked for', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    c.write('GET /a HTTP/1.0\r\n\r\n');
    const r = await readUntil(c, () => false);
    assert.ok(r.closed);
    assert.match(r.text, /\r\nConnection: close\r\n/);
    const k = await openRaw(s.port);
    k.write('GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const r2 = await readUntil(k, responsesIn(1));
    assert.match(r2.text, /\r\nConnection: keep-alive\r\n/);
    k.write('GET /b HTTP/1.0\r\n\r\n');
    const r3 = await readUntil(k, () => false);
    assert.is(json(splitResponses(r3.text).responses[0]!.body).target, '/b');
    assert.ok(r3.closed);
  } finally {
    await s.close();
  }
});

test('streamed response: chunked to HTTP/1.1, close-delimited to HTTP/1.0', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    c.write('GET /stream HTTP/1.1\r\nHost: a\r\n\r\n');
    const r = await readUntil(c, responsesIn(1));
    assert.match(r.text, /Transfer-Encoding: chunked\r\n/);
    assert.is(splitResponses(r.text).responses[0]!.body, 'abcd');
    c.destroy();
    const d = await openRaw(s.port);
    d.write('GET /stream HTTP/1.0\r\n\r\n');
    const r2 = await readUntil(d, () => false);
    assert.ok(r2.closed);
    assert.not.match(r2.text, /Transfer-Encoding/);
    assert.ok(r2.text.endsWith('\r\n\r\nabcd'));
  } finally {
    await s.close();
  }
});

test('request bodies: Content-Length and chunked, sent one byte at a time, reach the handler whole', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    const req = 'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloPUT /q HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n';
    const reading = readUntil(c, responsesIn(2));
    for (const ch of req) {
      c.write(ch);
      await tick();
    }
    const { responses } = splitResponses((await reading).text);
    assert.equal([json(responses[0]!.body).body, json(responses[1]!.body).body], ['hello', 'abcde']);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('Expect: 100-continue gets the interim answer before the body is sent', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    c.write('PUT /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n');
    const interim = await readUntil(c, (t) => t.includes('\r\n\r\n'));
    assert.is(interim.text, 'HTTP/1.1 100 Continue\r\n\r\n');
    c.write('xyz');
    const r = await readUntil(c, responsesIn(1));
    assert.is(json(splitResponses(r.text).responses[0]!.body).body, 'xyz');
    c.destroy();
  } finally {
    await s.close();
  }
});

test('a bad head is answered 400 and the connection closed; earlier pipelined requests are answered first', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    c.write('GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n');
    const r = await readUntil(c, () => false);
    assert.ok(r.closed);
    const { responses } = splitResponses(r.text);
    assert.equal(responses.map((x) => x.status), [200, 400]);
    assert.ok(responses[1]!.headers.some(([k, v]) => k === 'connection' && v === 'close'));
  } finally {
    await s.close();
  }
});

test('Upgrade is not honoured: the request is answered as a plain request', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    c.write('GET /u HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    const r = await readUntil(c, responsesIn(1));
    const [x] = splitResponses(r.text).responses;
    assert.is(x!.status, 200);
    assert.not.match(r.text, /^HTTP\/1\.1 101/);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('the handler throwing is a 502', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    c.write('GET /throw HTTP/1.1\r\nHost: a\r\n\r\n');
    const r = await readUntil(c, responsesIn(1));
    assert.is(splitResponses(r.text).responses[0]!.status, 502);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('timeouts on the Timers port: an unfinished head gets 408 and close', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    const seen = readUntil(c, () => false);
    c.write('GET / HTTP/1.1\r\nHo');
    while (s.serverSockets.length === 0 || s.serverSockets[0]!.bytesRead === 0) await tick();
    assert.is(s.timers.fire(1000), 1);
    const r = await seen;
    assert.ok(r.closed);
    assert.match(r.text, /^HTTP\/1\.1 408 /);
  } finally {
    await s.close();
  }
});

test('keep-alive: a connection is closed after keepAliveTimeoutMs without a request, counted from the last response; one timer serves many requests (virtual time)', async () => {
  const s = await startVirtual(echo);
  try {
    const idle = await openRaw(s.port);
    const get = async (): Promise<void> => {
      idle.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      await readUntil(idle, responsesIn(1));
    };
    await get();
    const ended = (): boolean => s.serverSockets[0]!.writableEnded;
    s.timers.advance(4999);
    assert.not.ok(ended(), 'open before the timeout');
    await get(); // at 4,999 ms: the wait starts again from here
    let scheduled = 0;
    const after = s.timers.after.bind(s.timers);
    s.timers.after = (ms: number, callback: () => void) => {
      scheduled++;
      return after(ms, callback);
    };
    for (let i = 0; i < 5; i++) await get();
    assert.is(scheduled, 0, 'keep-alive requests schedule no timer of their own');
    assert.is(s.timers.pending(), 1, 'one idle timer for the connection');
    s.timers.advance(4999);
    assert.not.ok(ended(), 'the first timer (due at 5,000 ms) saw the requests and waits on');
    const closing = readUntil(idle, () => false);
    s.timers.advance(1);
    assert.ok(ended(), 'closed 5,000 ms after the last response');
    assert.ok((await closing).closed);
  } finally {
    await s.close();
  }
});

test('a request body that stalls while the handler waits for it fails after bodyIdleTimeoutMs (30 s default, hand-fired)', async () => {
  const reader = bodyReader();
  const s = await start(reader.handler);
  try {
    const c = await openRaw(s.port);
    const seen = readUntil(c, () => false);
    const sent = 'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc';
    c.write(sent);
    while (s.serverSockets.length === 0 || s.serverSockets[0]!.bytesRead < sent.length) await tick();
    await tick();
    assert.is(s.timers.fire(30_000), 1);
    assert.ok((await seen).closed);
    while (reader.failure() === '') await tick();
    assert.match(reader.failure(), /request body timeout/);
  } finally {
    await s.close();
  }
});

test('backpressure: a handler that does not read leaves the socket paused with a bounded buffer', async () => {
  let release: (() => void) | undefined;
  let got = 0;
  const s = await start(async (req) => {
    await new Promise<void>((resolve) => (release = resolve));
    got = (await readAll(req.body)).length;
    return { status: 200, headers: [], body: Buffer.from('ok'), outcome: OUTCOME };
  });
  try {
    const c = await openRaw(s.port);
    const total = 16 * 1024 * 1024;
    c.write(`POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: ${total}\r\n\r\n`);
    c.write(Buffer.alloc(total, 0x61));
    // Wait (on events, not time) until the server stopped reading, or read it all (the failure).
    const stopped = (): boolean => s.serverSockets.length > 0 && (s.serverSockets[0]!.isPaused() || s.serverSockets[0]!.bytesRead >= total);
    while (!stopped()) await tick();
    const readSoFar = s.serverSockets[0]!.bytesRead;
    assert.ok(readSoFar < total / 2, `server read ${readSoFar} of ${total} bytes while nobody consumed the body`);
    const reply = readUntil(c, responsesIn(1));
    release!();
    assert.is(splitResponses((await reply).text).responses[0]!.body, 'ok');
    assert.is(got, total);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('graceful drain: close() lets the request in flight finish with Connection: close, idle ones close', async () => {
  let release: (() => void) | undefined;
  const s = await start(async (req) => {
    if (req.target === '/slow') await new Promise<void>((resolve) => (release = resolve));
    return { status: 200, headers: [], body: Buffer.from('done'), outcome: OUTCOME };
  });
  const busy = await openRaw(s.port);
  const idle = await openRaw(s.port);
  idle.write('GET /fast HTTP/1.1\r\nHost: a\r\n\r\n');
  await readUntil(idle, responsesIn(1));
  busy.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
  while (release === undefined) await tick();
  const idleClosed = readUntil(idle, () => false);
  const busyReply = readUntil(busy, () => false);
  const closed = new Promise<void>((resolve) => s.server.close(() => resolve()));
  assert.ok((await idleClosed).closed);
  release!();
  const r = await busyReply;
  assert.ok(r.closed);
  const [x] = splitResponses(r.text).responses;
  assert.is(x!.body, 'done');
  assert.ok(x!.headers.some(([k, v]) => k === 'connection' && v === 'close'));
  await closed;
});

test('a reused answer with `wire` is serialized once: the kept block is written until its owner clears it', async () => {
  const reused: EdgeResponse = { status: 200, headers: ['age', '1', 'content-length', '2'], body: Buffer.from('ok'), outcome: OUTCOME, wire: { head: undefined } };
  const s = await start(() => reused);
  try {
    const c = await openRaw(s.port);
    const get = async (): Promise<string> => {
      c.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      return (await readUntil(c, responsesIn(1))).text;
    };
    assert.match(await get(), /\r\nage: 1\r\n/);
    assert.ok(reused.wire!.head !== undefined, 'the block is kept on the answer');
    reused.headers[1] = '2'; // changed without clearing: the kept block still says 1
    assert.match(await get(), /\r\nage: 1\r\n/);
    reused.wire!.head = undefined; // what HitAnswers does when it retimes
    assert.match(await get(), /\r\nage: 2\r\n/);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('a reused answer with wire.changingFrom keeps one block for the fields before it and writes the changing ones (Age, Cache-Status) fresh each time', async () => {
  const reused: EdgeResponse = { status: 200, headers: ['content-length', '2', 'x-kept', 'k', 'age', '1', 'cache-status', 'c; hit; ttl=9'], body: Buffer.from('ok'), outcome: OUTCOME, wire: { head: undefined, changingFrom: 4 } };
  const s = await start(() => reused);
  try {
    const c = await openRaw(s.port);
    const get = async (): Promise<string> => {
      c.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      return (await readUntil(c, responsesIn(1))).text;
    };
    const first = await get();
    assert.match(first, /\r\nx-kept: k\r\nage: 1\r\ncache-status: c; hit; ttl=9\r\n/);
    const block = reused.wire!.head;
    assert.ok(block !== undefined, 'the block is kept on the answer');
    reused.headers[5] = '2'; // what HitAnswers does when it retimes: head is left as it is
    reused.headers[7] = 'c; hit; ttl=8';
    const second = await get();
    assert.match(second, /\r\nage: 2\r\ncache-status: c; hit; ttl=8\r\n/);
    assert.not.match(second, /age: 1/);
    assert.match(second, /\r\ncontent-length: 2\r\n/);
    assert.is(reused.wire!.head, block, 'the same kept block served both');
    c.destroy();
  } finally {
    await s.close();
  }
});

test('a framing field among a reused answer\'s changing fields is a 502, not a response framed from a stale block', async () => {
  const reused: EdgeResponse = { status: 200, headers: ['x-kept', 'k', 'content-length', '2'], body: Buffer.from('ok'), outcome: OUTCOME, wire: { head: undefined, changingFrom: 2 } };
  const s = await start(() => reused);
  try {
    const c = await openRaw(s.port);
    c.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const text = (await readUntil(c, responsesIn(1))).text;
    assert.match(text, /^HTTP\/1\.1 502 /);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('hits respect socket backpressure: a client that pipelines GETs for a 1 MiB object and never reads stops being read, with a bounded write buffer', async () => {
  const object = Buffer.alloc(1024 * 1024, 0x62);
  let answered = 0;
  const maxPipelinedBytes = 4 * 1024;
  const s = await start(
    () => {
      answered++;
      return { status: 200, headers: ['content-length', String(object.length)], body: object, outcome: OUTCOME };
    },
    { maxPipelinedBytes },
  );
  const serverSockets = s.serverSockets;
  try {
    const c = await openRaw(s.port);
    c.pause(); // never reads
    const request = 'GET /big HTTP/1.1\r\nHost: a\r\n\r\n';
    const count = 2_000;
    c.write(request.repeat(count));
    // Bound: the response being written (one object and its head) over the socket's high-water mark.
    const bound = 2 * object.length + 64 * 1024;
    const settled = (): boolean => {
      const sock = serverSockets[0];
      return sock !== undefined && (sock.isPaused() || sock.writableLength > bound || answered === count);
    };
    while (!settled()) await tick();
    const sock = serverSockets[0]!;
    assert.ok(sock.writableLength <= bound, `server buffered ${sock.writableLength} bytes for a client that reads nothing (${answered} answers)`);
    assert.ok(sock.isPaused(), 'the server keeps reading requests it cannot answer');
    assert.ok(answered < count, `all ${count} requests answered into a client that reads nothing`);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('5,000 pipelined hits in one write are all answered, in a loop rather than one stack frame chain per request', async () => {
  let maxDepth = 0;
  let n = 0;
  const s = await start((req) => {
    if (n++ % 100 === 0) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = Infinity;
      maxDepth = Math.max(maxDepth, (new Error().stack ?? '').split('\n').length);
      Error.stackTraceLimit = limit;
    }
    return { status: 200, headers: ['content-length', '1'], body: Buffer.from(req.target.slice(-1)), outcome: OUTCOME };
  });
  try {
    const c = await openRaw(s.port);
    const count = 5_000;
    let requests = '';
    for (let i = 0; i < count; i++) requests += `GET /${i % 10} HTTP/1.1\r\nHost: a\r\n\r\n`;
    let seen = 0;
    let carry = '';
    const done = new Promise<void>((resolve, reject) => {
      c.on('data', (b: Buffer) => {
        const text = carry + b.toString('latin1');
        const parts = text.split('HTTP/1.1 200 ');
        seen += parts.length - 1;
        carry = parts[parts.length - 1]!.slice(-12);
        if (seen >= count) resolve();
      });
      c.on('close', () => (seen >= count ? resolve() : reject(new Error(`closed after ${seen} answers`))));
    });
    c.write(requests);
    await done;
    assert.is(seen, count);
    assert.is(n, count);
    assert.ok(maxDepth < 200, `the handler ran ${maxDepth} frames deep`);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('20 KiB of empty lines before any request line: 431 and close, not an ever-growing buffer', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    const seen = readUntil(c, () => false);
    const sent = 20 * 1024;
    let over = false;
    void seen.then(() => (over = true));
    c.write('\r\n'.repeat(sent / 2));
    // Without a limit the server reads it all and waits: the head timeout (hand-fired) then ends it with a 408.
    while (!over && (s.serverSockets.length === 0 || s.serverSockets[0]!.bytesRead < sent)) await tick();
    await tick();
    if (!over) s.timers.fire(1000);
    const r = await seen;
    assert.ok(r.closed);
    assert.match(r.text, /^HTTP\/1\.1 431 /);
  } finally {
    await s.close();
  }
});

function startVirtual(handler: (req: EdgeRequest) => EdgeResponse | Promise<EdgeResponse>) {
  const timers = new ManualTimers();
  return listenWith(handler, timers, timers.clock);
}


test('a streamed response to a client that reads nothing is cut after sendIdleTimeoutMs (30 s default, virtual time)', async () => {
  let pulled = 0;
  const s = await startVirtual(() => {
    async function* endless(): AsyncIterable<Uint8Array> {
      for (;;) {
        pulled++;
        yield Buffer.alloc(64 * 1024, 0x63);
      }
    }
    return { status: 200, headers: ['content-type', 'text/plain'], body: endless(), outcome: OUTCOME };
  });
  try {
    const c = await openRaw(s.port);
    c.pause(); // never reads
    c.on('error', () => undefined);
    c.write('GET /stream HTTP/1.1\r\nHost: a\r\n\r\n');
    // The stream writes until the socket is full, then waits for 'drain' (which never comes).
    while (s.serverSockets.length === 0 || !s.serverSockets[0]!.writableNeedDrain) await tick();
    const sock = s.serverSockets[0]!;
    s.timers.advance(29_999);
    assert.not.ok(sock.destroyed, 'cut before the send timeout');
    s.timers.advance(1);
    assert.ok(sock.destroyed, `still holding the response after 30 s without a read (${pulled} chunks pulled)`);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('a request body trickled in under the idle timeout still ends at requestBodyTimeoutMs (300 s default, virtual time)', async () => {
  const reader = bodyReader();
  const s = await startVirtual(reader.handler);
  try {
    const c = await openRaw(s.port);
    c.on('error', () => undefined);
    const head = 'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n';
    c.write(head);
    let sent = head.length;
    // One byte every 20 virtual seconds: never idle for 30 s, but 320 s in all.
    for (let i = 0; i < 16; i++) {
      c.write('a');
      sent++;
      while (s.serverSockets.length === 0 || s.serverSockets[0]!.bytesRead < sent) await tick();
      await tick();
      s.timers.advance(20_000);
      if (s.serverSockets[0]!.destroyed) break;
    }
    assert.ok(s.serverSockets[0]!.destroyed, 'a trickled body held the connection past 300 s');
    assert.is(s.timers.clock.monoMs(), 300_000);
    while (reader.failure() === '') await tick();
    assert.match(reader.failure(), /request body timeout/);
    c.destroy();
  } finally {
    await s.close();
  }
});

test('bytes after a Connection: close request are ignored (RFC 9112 §9.6): one answer, then the close, no extra 400', async () => {
  const s = await start();
  try {
    const c = await openRaw(s.port);
    const seen = readUntil(c, () => false);
    c.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nX');
    const r = await seen;
    assert.ok(r.closed);
    const { responses, rest } = splitResponses(r.text);
    assert.is(responses.length, 1, r.text);
    assert.is(responses[0]!.status, 200);
    assert.is(rest, '');
  } finally {
    await s.close();
  }
});

test('serveHttp1 serves any connected socket: a plain net.Server hands it its sockets (as a TLS server will)', async () => {
  let closed = 0;
  const options = connectionOptions({ keepAliveTimeoutMs: 5000, headersTimeoutMs: 1000, timers: new HandTimers(), clock: { wallMs: () => 1_700_000_000_000, monoMs: () => 0 }, logger: silent });
  const server = createServer((sock) => serveHttp1(sock, echo, options, () => closed++));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const c = await openRaw((server.address() as AddressInfo).port);
    c.write('GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const r = await readUntil(c, () => false);
    assert.ok(r.closed);
    assert.equal(splitResponses(r.text).responses.map((x) => json(x.body).target), ['/a', '/b']);
    while (closed === 0) await tick();
    assert.is(closed, 1);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('the request watch: without an access log (fullRecord false) the lean record, no request id made; with one, the log fields', async () => {
  for (const fullRecord of [false, true]) {
    const seen: CompletedRequest[] = [];
    let idsMade = 0;
    const clock = { wallMs: () => 1_700_000_000_000, monoMs: () => 0 };
    const watch = { observer: { completed: (e: CompletedRequest) => void seen.push(e) }, clock, makeRequestId: () => `id-${++idsMade}`, fullRecord };
    const server = new Http1Server(echo, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 1000, timers: new HandTimers(), clock, logger: silent, watch });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const c = await openRaw((server.address() as AddressInfo).port);
      c.write('GET /a?b HTTP/1.0\r\nUser-Agent: ua\r\n\r\n');
      await readUntil(c, () => false);
      const e = seen[0]!;
      assert.equal([e.method, e.protocol, e.status, e.outcome.kind, e.completed], ['GET', 'HTTP/1.0', 200, 'hit', true]);
      if (fullRecord) {
        assert.equal([e.target, e.clientAddress, e.requestId, e.userAgent, e.startWallMs, idsMade], ['/a?b', '127.0.0.1', 'id-1', 'ua', 1_700_000_000_000, 1]);
      } else {
        assert.equal([e.target, e.clientAddress, e.requestId, e.userAgent, e.startWallMs, idsMade], ['', undefined, '', undefined, 0, 0]);
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
});

test('a client that half-closes after its request still gets the answer of a handler that answers later (RFC 9112 §9.6 closes after the response, not before)', async () => {
  for (const reuseReadBuffer of [true, false]) {
    let answer = (): void => undefined;
    const later = new Promise<void>((resolve) => (answer = resolve));
    const s = await start(
      async () => {
        await later;
        return { status: 200, headers: ['content-length', '2'], body: Buffer.from('ok'), outcome: OUTCOME };
      },
      { reuseReadBuffer },
    );
    const serving = s.serverSockets;
    try {
      const c = await openRaw(s.port);
      const reply = readUntil(c, () => false);
      c.end('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      while (serving.length === 0 || !serving[0]!.readableEnded) await tick(); // the server has seen the half-close
      answer();
      const r = await reply;
      assert.ok(r.closed, `reuseReadBuffer ${reuseReadBuffer}`);
      assert.equal(splitResponses(r.text).responses.map((x) => [x.status, x.body]), [[200, 'ok']], `reuseReadBuffer ${reuseReadBuffer}`);
    } finally {
      await s.close();
    }
  }
});

test.run();
