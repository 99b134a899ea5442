/**
 * Reads through the server's one reused buffer (reused-read.ts): whatever a connection keeps past a
 * read (a request body waiting for its handler, a pipelined request behind a slow one, half a head)
 * must be a copy, because the next read of any connection overwrites the buffer. Each test parks
 * bytes on connection A, makes connection B's request land in the buffer (its handler has run, so
 * the server has read it), and only then lets A go on. No timing: the handlers' promises order it.
 */
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Http1Server, SERVING_EVENT } from '../../../../edge/adapters/http1/server.js';
import type { EdgeRequest, EdgeResponse } from '../../../../edge/pipeline/types.js';
import { openRaw, readUntil, splitResponses } from '../../../support/raw-http.js';
import { silent } from '../../../support/test-edge-options.js';

const OUTCOME = { kind: 'hit', bytes: 0, hit: true } as const;

/** One turn of the event loop: lets sockets move without real time passing. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function readBody(body: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  if (body === undefined) return '';
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString('latin1');
}

/**
 * `/held` waits for `release` before it reads its body and answers; every other request is
 * answered at once. Each answer echoes target, the x-value field and the body as JSON.
 */
async function start() {
  const held = gate();
  const release = gate();
  const seen: string[] = [];
  const seenWaiters: Array<() => void> = [];
  const handler = async (req: EdgeRequest): Promise<EdgeResponse> => {
    seen.push(req.target);
    for (const w of seenWaiters.splice(0)) w();
    if (req.target === '/held') {
      held.open();
      await release.opened;
    }
    const json = JSON.stringify({ target: req.target, value: req.headers['x-value'] ?? null, body: await readBody(req.body) });
    return { status: 200, headers: ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(json))], body: Buffer.from(json), outcome: OUTCOME };
  };
  const server = new Http1Server(handler, { keepAliveTimeoutMs: 60_000, headersTimeoutMs: 60_000, timers: { after: () => ({ cancel: () => undefined }) }, clock: { wallMs: () => 1_700_000_000_000, monoMs: () => 0 }, logger: silent });
  const accepted: Socket[] = [];
  const serving: Socket[] = [];
  server.on('connection', (s: Socket) => accepted.push(s));
  server.on(SERVING_EVENT, (s: Socket) => serving.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    held: held.opened,
    release: release.open,
    /** Resolves once the handler has seen a request for `target`. */
    seenTarget(target: string): Promise<void> {
      return new Promise((resolve) => {
        const check = (): void => (seen.includes(target) ? resolve() : void seenWaiters.push(check));
        check();
      });
    },
    serving,
    /** Every connection so far was moved to a reused-buffer socket (else these tests prove nothing). */
    allReused: () => accepted.length > 0 && serving.length === accepted.length && serving.every((s, i) => s !== accepted[i]),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A request long enough to overwrite everything connection A's request left in the buffer. */
const OVERWRITER = `GET /${'b'.repeat(600)} HTTP/1.1\r\nHost: a\r\nX-Value: ${'B'.repeat(600)}\r\n\r\n`;

async function overwriteFromAnotherConnection(s: Awaited<ReturnType<typeof start>>): Promise<void> {
  const b = await openRaw(s.port);
  const answered = readUntil(b, (t) => splitResponses(t).responses.length >= 1);
  b.write(OVERWRITER);
  await s.seenTarget(`/${'b'.repeat(600)}`);
  await answered;
  b.destroy();
}

test('a request body waiting for its handler is not overwritten by the next read (of another connection)', async () => {
  const s = await start();
  try {
    const a = await openRaw(s.port);
    const body = 'A'.repeat(200);
    const reply = readUntil(a, (t) => splitResponses(t).responses.length >= 1);
    a.end(`POST /held HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await s.held;
    await overwriteFromAnotherConnection(s);
    s.release();
    const r = splitResponses((await reply).text).responses;
    assert.ok(s.allReused(), 'the connections were not read through the reused buffer');
    assert.equal(JSON.parse(r[0]!.body), { target: '/held', value: null, body });
    a.destroy();
  } finally {
    await s.close();
  }
});

test('a pipelined request behind a slow one keeps its target and field values when the buffer is reused', async () => {
  const s = await start();
  try {
    const a = await openRaw(s.port);
    const reply = readUntil(a, (t) => splitResponses(t).responses.length >= 2);
    const value = 'v'.repeat(300);
    a.write(`GET /held HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\nX-Value: ${value}\r\n\r\n`);
    a.end(); // half-closed: a head the server finds garbled is a 400 and close, not a wait
    await s.held;
    await overwriteFromAnotherConnection(s);
    s.release();
    const r = splitResponses((await reply).text).responses;
    assert.ok(s.allReused(), 'the connections were not read through the reused buffer');
    assert.equal(r.map((x) => x.status), [200, 200]);
    assert.equal(JSON.parse(r[1]!.body), { target: '/second', value, body: '' });
    a.destroy();
  } finally {
    await s.close();
  }
});

test('half a request head waits as a copy: the rest completes it after another connection read', async () => {
  const s = await start();
  try {
    const a = await openRaw(s.port);
    const reply = readUntil(a, (t) => splitResponses(t).responses.length >= 1);
    const value = 'w'.repeat(300);
    a.write(`GET /partial HTTP/1.1\r\nHost: a\r\nX-Value: ${value}`);
    while (s.serving.length === 0 || s.serving[0]!.bytesRead === 0) await tick(); // the server has read the half head
    await overwriteFromAnotherConnection(s);
    a.end('\r\n\r\n'); // half-closed: a head the server finds garbled is a 400 and close, not a wait
    const r = splitResponses((await reply).text).responses;
    assert.ok(s.allReused(), 'the connections were not read through the reused buffer');
    assert.equal(JSON.parse(r[0]!.body), { target: '/partial', value, body: '' });
    a.destroy();
  } finally {
    s.release();
    await s.close();
  }
});

test('reuseReadBuffer: false serves the accepted socket itself', async () => {
  const server = new Http1Server(() => ({ status: 204, headers: [], body: undefined, outcome: OUTCOME }), { keepAliveTimeoutMs: 60_000, headersTimeoutMs: 60_000, timers: { after: () => ({ cancel: () => undefined }) }, clock: { wallMs: () => 0, monoMs: () => 0 }, logger: silent, reuseReadBuffer: false });
  const accepted: Socket[] = [];
  const serving: Socket[] = [];
  server.on('connection', (x: Socket) => accepted.push(x));
  server.on(SERVING_EVENT, (x: Socket) => serving.push(x));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const c = await openRaw((server.address() as AddressInfo).port);
    const reply = readUntil(c, (t) => splitResponses(t).responses.length >= 1);
    c.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.is(splitResponses((await reply).text).responses[0]!.status, 204);
    assert.is(serving[0], accepted[0]);
    c.destroy();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test.run();
