/**
 * The simulator's control-plane wire answers as the node:http adapter does: the same control
 * plane, asked the same requests once over loopback and once through serveControlPlaneWire,
 * gives the same statuses, header fields and bodies, and `/stream` the same head and first bytes.
 * These differed while world.ts had its own copy (no body limit, no x-accel-buffering, fields in
 * another order, no content-length, no trailing newline).
 */
import { Agent, get } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../../common/http.js';
import { serveControlPlaneWire } from '../../../sim/kernel/control-plane-wire.js';
import type { StreamConnection, WireRequest, WireResponse } from '../../../sim/kernel/network.js';
import { EDGE_TOKEN, startControlPlane, TOKEN } from '../../control-plane/support/harness.js';

const LIMITS = { maxBodyBytes: 256, maxReportBodyBytes: 4096 };

/** The fields both carriers decide (node:http adds date, connection and keep-alive itself). */
const COMPARED = ['content-type', 'content-length', 'connection', 'www-authenticate', 'allow', 'retry-after', 'cache-control', 'x-accel-buffering'];

function pick(headers: HeaderList | Record<string, string | string[] | undefined>): Record<string, string> {
  const entries: Array<[string, string]> = Array.isArray(headers) ? headers : Object.entries(headers).map(([n, v]) => [n, String(v)]);
  const out: Record<string, string> = {};
  for (const [n, v] of entries) if (COMPARED.includes(n)) out[n] = v;
  // node:http writes `connection: keep-alive` on every kept connection; only an explicit close is the adapter's.
  if (out['connection'] === 'keep-alive') delete out['connection'];
  return out;
}

async function wireAnswer(res: WireResponse | Promise<WireResponse>): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const r = await res;
  return { status: r.status, headers: pick(r.headers), text: Buffer.concat(r.chunks).toString() };
}

/** One request over loopback, answered by the real adapter; the body exactly as sent. */
function nodeAnswer(url: string, method: string, path: string, body: string | undefined, auth: string | undefined): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  return fetch(`${url}${path}`, { method, headers: { ...(auth === undefined ? {} : { authorization: auth }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body }) }).then(async (res) => {
    const headers: Record<string, string> = {};
    res.headers.forEach((v, n) => (headers[n] = v));
    return { status: res.status, headers: pick(headers), text: await res.text() };
  });
}

const cases: Array<{ why: string; method: string; path: string; body?: string; auth?: string }> = [
  { why: 'no token', method: 'GET', path: '/edges' },
  { why: 'a wrong token on /stream', method: 'GET', path: '/stream?edge=e1', auth: 'Bearer wrong-token-0123456789' },
  { why: 'an unknown path', method: 'GET', path: '/nope', auth: `Bearer ${TOKEN}` },
  { why: 'a purge body over maxBodyBytes', method: 'POST', path: '/purges', body: JSON.stringify({ kind: 'key', values: ['k'.repeat(400)] }), auth: `Bearer ${TOKEN}` },
  { why: 'a bad purge body', method: 'POST', path: '/purges', body: '{not json', auth: `Bearer ${TOKEN}` },
  { why: 'a stream with a bad edge id', method: 'GET', path: '/stream?edge=no%20spaces', auth: `Bearer ${EDGE_TOKEN}` },
  { why: 'the edges list', method: 'GET', path: '/edges', auth: `Bearer ${TOKEN}` },
];

for (const c of cases) {
  test(`the simulator's control-plane wire answers as node:http does: ${c.why}`, async () => {
    const h = await startControlPlane({ config: { limits: { maxBodyBytes: LIMITS.maxBodyBytes } } });
    try {
      const real = await nodeAnswer(h.url, c.method, c.path, c.body, c.auth);
      const wire: WireRequest = {
        from: 'test',
        method: c.method,
        target: c.path,
        headers: [...(c.auth === undefined ? [] : [['authorization', c.auth] as [string, string]]), ...(c.body === undefined ? [] : [['content-type', 'application/json'] as [string, string]])],
        body: c.body === undefined ? undefined : Buffer.from(c.body),
      };
      const simulated = await wireAnswer(serveControlPlaneWire(h.cp, wire, { limits: LIMITS, retryMs: 1_000 }));
      assert.equal(simulated, real);
    } finally {
      await h.close();
    }
  });
}

/** The first `bytes` bytes of a real `/stream` answer, and its head. */
function realStreamStart(url: string, bytes: number): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  // A keep-alive agent: with none, node's client asks for `connection: close` and the answer echoes it.
  const agent = new Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    const req = get(`${url}/stream?edge=e1`, { headers: { authorization: `Bearer ${EDGE_TOKEN}` }, agent }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.length >= bytes) {
          resolve({ status: res.statusCode ?? 0, headers: pick(res.headers), text: text.slice(0, bytes) });
          req.destroy();
          agent.destroy();
        }
      });
    });
    req.on('error', reject);
  });
}

test('the simulated /stream has the real head and starts with the same retry field and hello frame', async () => {
  const h = await startControlPlane({});
  try {
    const r = await serveControlPlaneWire(h.cp, { from: 'test', method: 'GET', target: '/stream?edge=e1', headers: [['authorization', `Bearer ${EDGE_TOKEN}`]], body: undefined }, { limits: LIMITS, retryMs: 1_000 });
    let text = '';
    // What the simulated connection would carry: everything the stream queued before it was attached.
    r.stream!.attach({ send: (chunk: Uint8Array) => (text += Buffer.from(chunk).toString()), end: () => undefined } as unknown as StreamConnection);
    assert.ok(text.startsWith('retry: 1000\n\nevent: hello\n'), text);
    const helloEnd = text.indexOf('\n\n', 'retry: 1000\n\n'.length) + 2;
    const simulated = { status: r.status, headers: pick(r.headers), text: text.slice(0, helloEnd) };
    r.stream!.reportClosed();
    const real = await realStreamStart(h.url, helloEnd);
    assert.equal(simulated, real);
  } finally {
    await h.close();
  }
});

test.run();
