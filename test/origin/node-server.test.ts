/**
 * The node:http adapter over real loopback sockets: bodies and headers arrive intact, latency is
 * waited out, refusal drops the connection, and close() does not wait for hanging requests.
 * Every test binds 127.0.0.1 port 0 and closes its server in `finally`.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../common/adapters/system-clock.js';
import { MAX_REQUEST_BODY_BYTES, startOriginServer, type OriginServer } from '../../origin/adapters/node-server.js';
import { createOrigin } from '../../origin/handler.js';
import { resolveOriginConfig } from '../../origin/schema.js';
import type { Origin } from '../../origin/types.js';

const TOKEN = 'node-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

function newOrigin(): Origin {
  // Failure rate is 0, so the random source must never be consulted.
  const random = { next: (): number => { throw new Error('unexpected random draw'); } };
  return createOrigin({ clock: systemClock, random, config: resolveOriginConfig({ adminToken: TOKEN }) });
}

async function withServer(origin: Origin, body: (server: OriginServer) => Promise<void>): Promise<void> {
  const server = await startOriginServer(origin, { host: '127.0.0.1', port: 0 });
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

test('latency is waited out: a slow answer arrives after a fast one sent later', async () => {
  await withServer(newOrigin(), async (server) => {
    const finished: string[] = [];
    const startedMs = performance.now();
    const slow = fetch(`${server.url}/slow?latency=300`).then(async (res) => {
      await res.arrayBuffer();
      finished.push('slow');
      return performance.now() - startedMs;
    });
    const fast = fetch(`${server.url}/fast`).then(async (res) => {
      await res.arrayBuffer();
      finished.push('fast');
    });
    const [slowElapsedMs] = await Promise.all([slow, fast]);
    assert.equal(finished, ['fast', 'slow']);
    assert.ok(slowElapsedMs >= 295, `slow answer took ${slowElapsedMs.toFixed(1)} ms`);
  });
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

test('close() drops a request that is waiting out a hang, and resolves promptly', async () => {
  const origin = newOrigin();
  let arrived!: () => void;
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  const signalling: Origin = {
    handle(req) {
      const answer = origin.handle(req);
      if (req.target.startsWith('/hang?')) arrived();
      return answer;
    },
    stats: () => origin.stats(),
  };
  const server = await startOriginServer(signalling, { host: '127.0.0.1', port: 0 });
  let closed = false;
  try {
    const hanging = rejection(fetch(`${server.url}/hang?latency=3600000`).then((res) => res.text()));
    await requestArrived;
    const startedMs = performance.now();
    await server.close();
    closed = true;
    assert.ok(performance.now() - startedMs < 1000, 'close did not wait for the hour-long delay');
    const err = await hanging;
    assert.ok(err instanceof Error);
  } finally {
    if (!closed) await server.close();
  }
});

test.run();
