/**
 * The node:http adapter over real loopback sockets: bodies and headers arrive intact, latency is
 * waited out, refusal drops the connection, and close() does not wait for hanging requests.
 * Every test binds 127.0.0.1 port 0 and closes its server in `finally`.
 */
import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../common/adapters/system-clock.js';
import { MAX_REQUEST_BODY_BYTES, startOriginServer, type OriginServer, type OriginServerOptions } from '../../origin/adapters/node-server.js';
import { createOrigin } from '../../origin/handler.js';
import { resolveOriginConfig } from '../../origin/schema.js';
import type { Origin } from '../../origin/types.js';
import { FakeClock } from '../support/fake-clock.js';
import { ManualTimers } from '../support/manual-timers.js';

const TOKEN = 'node-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

function newOrigin(): Origin {
  // Failure rate is 0, so the random source must never be consulted.
  const random = { next: (): number => { throw new Error('unexpected random draw'); } };
  return createOrigin({ clock: systemClock, random, config: resolveOriginConfig({ adminToken: TOKEN }) });
}

async function withServer(
  origin: Origin,
  body: (server: OriginServer) => Promise<void>,
  seams: Pick<OriginServerOptions, 'timers' | 'hold'> = {},
): Promise<void> {
  const server = await startOriginServer(origin, { host: '127.0.0.1', port: 0, ...seams });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** Resolves when the promise rejects, with the error; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error & { cause?: { code?: string } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { cause?: { code?: string } };
  }
  throw new Error('expected the request to fail');
}

test('GET over loopback: status, headers and the exact body', async () => {
  await withServer(newOrigin(), async (server) => {
    assert.ok(server.port > 0);
    assert.is(server.url, `http://127.0.0.1:${server.port}`);
    const res = await fetch(`${server.url}/a?size=10&cc=max-age%3D5&sk=k1`);
    assert.is(res.status, 200);
    assert.is(res.headers.get('cache-control'), 'max-age=5');
    assert.is(res.headers.get('surrogate-key'), 'k1');
    assert.is(res.headers.get('content-length'), '10');
    assert.is(await res.text(), 'path=/a ve');
  });
});

test('HEAD keeps the full Content-Length with no body; 206 and 304 survive the adapter', async () => {
  await withServer(newOrigin(), async (server) => {
    const head = await fetch(`${server.url}/a`, { method: 'HEAD' });
    assert.is(head.status, 200);
    assert.is(head.headers.get('content-length'), '1024');
    assert.is((await head.arrayBuffer()).byteLength, 0);

    const partial = await fetch(`${server.url}/a`, { headers: { range: 'bytes=0-3' } });
    assert.is(partial.status, 206);
    assert.is(partial.headers.get('content-range'), 'bytes 0-3/1024');
    assert.is(await partial.text(), 'path');

    const etag = head.headers.get('etag') ?? '';
    const notModified = await fetch(`${server.url}/a`, { headers: { 'if-none-match': etag } });
    assert.is(notModified.status, 304);
    assert.is(notModified.headers.get('etag'), etag);
  });
});

test('latency is waited out on the timers given: a slow answer leaves only when its delay has passed', async () => {
  const timers = new ManualTimers(new FakeClock());
  await withServer(
    newOrigin(),
    async (server) => {
      const finished: string[] = [];
      const slow = fetch(`${server.url}/slow?latency=300`).then(async (res) => {
        await res.arrayBuffer();
        finished.push('slow');
        return res.status;
      });
      await timers.whenPending(1); // the slow request is in, its answer waiting out the delay
      await fetch(`${server.url}/fast`).then((res) => res.arrayBuffer());
      finished.push('fast');
      timers.advance(299);
      assert.is(timers.pending(), 1, 'not before 300 ms');
      timers.advance(1);
      assert.is(await slow, 200);
      assert.equal(finished, ['fast', 'slow']);
    },
    { timers },
  );
});

test('a hold keeps an answer back until it resolves; unheld paths answer at once', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const seen: string[] = [];
  const hold = (req: { method: string; target: string }) => {
    seen.push(`${req.method} ${req.target}`);
    return req.target.startsWith('/held') ? held : undefined;
  };
  await withServer(
    newOrigin(),
    async (server) => {
      let answered = false;
      const waiting = fetch(`${server.url}/held?x=1`).then(async (res) => {
        answered = true;
        return (await res.text()).split('\n')[0];
      });
      assert.is((await fetch(`${server.url}/free`)).status, 200);
      assert.equal(seen, ['GET /held?x=1', 'GET /free'], 'the held request reached the origin first');
      assert.not.ok(answered);
      release();
      assert.match((await waiting) ?? '', /\/held/);
    },
    { hold },
  );
});

test('refuse mode drops the connection without an answer; ok mode restores service', async () => {
  await withServer(newOrigin(), async (server) => {
    const set = await fetch(`${server.url}/_admin/failure`, { method: 'POST', headers: AUTH, body: '{"mode":"refuse"}' });
    assert.is(set.status, 200);
    assert.equal(await set.json(), { mode: 'refuse', status: 503, failureRate: 0 });

    const err = await rejection(fetch(`${server.url}/a`).then((res) => res.text()));
    assert.ok(['UND_ERR_SOCKET', 'ECONNRESET'].includes(err.cause?.code ?? ''), `cause: ${err.cause?.code} ${err.message}`);

    await fetch(`${server.url}/_admin/failure`, { method: 'POST', headers: AUTH, body: '{"mode":"ok"}' }).then((r) => r.arrayBuffer());
    assert.is((await fetch(`${server.url}/a`)).status, 200);
  });
});

test('/_stats counts what went through the socket', async () => {
  await withServer(newOrigin(), async (server) => {
    await fetch(`${server.url}/a?x=1`).then((r) => r.arrayBuffer());
    await fetch(`${server.url}/a?x=2`).then((r) => r.arrayBuffer());
    await fetch(`${server.url}/b`, { method: 'POST', body: 'x' }).then((r) => r.arrayBuffer());
    const res = await fetch(`${server.url}/_stats`);
    assert.is(res.headers.get('content-type'), 'application/json');
    assert.equal(await res.json(), { requests: 3, paths: { '/a': 2, '/b': 1 }, methods: { GET: 2, POST: 1 } });
  });
});

test('a request body over 8 MiB gets 413', async () => {
  await withServer(newOrigin(), async (server) => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/_admin/failure`, { method: 'POST', headers: AUTH }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // The server may close while the rest of the upload is in flight; the answer already counts.
      req.on('error', (err) => reject(err));
      req.end(Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1, 0x20));
    });
    assert.is(status, 413);
  });
});

test('close() drops a request that is waiting out a hang, without waiting for it', async () => {
  // The delay runs on timers only this test moves, and it never does: close() can only resolve
  // by dropping the request, never by waiting the hour out.
  const timers = new ManualTimers(new FakeClock());
  const server = await startOriginServer(newOrigin(), { host: '127.0.0.1', port: 0, timers });
  let closed = false;
  try {
    const hanging = rejection(fetch(`${server.url}/hang?latency=3600000`).then((res) => res.text()));
    await timers.whenPending(1);
    await server.close();
    closed = true;
    const err = await hanging;
    assert.ok(err instanceof Error);
  } finally {
    if (!closed) await server.close();
  }
});

test.run();
