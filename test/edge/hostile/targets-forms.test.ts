/**
 * Forms of the request target (issue 11, point 2; RFC 9112 §3.2): absolute-form's authority is
 * the Host, asterisk-form is the edge's own business.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_FACING_SERVERS } from './support/client-facing-servers.js';
import { startHostileEdge, type HostileEdge } from './support/hostile-edge.js';

for (const server of CLIENT_FACING_SERVERS) {
  const s = suite<{ h?: HostileEdge }>(`hostile target forms (${server.name})`);
  s.after.each(async (ctx) => {
    await ctx.h?.close();
    ctx.h = undefined;
  });

  s('absolute-form under keyHost origin: forwarded in origin-form, the authority never changes the key', async (ctx) => {
    const h = (ctx.h = await startHostileEdge(server));
    const hostile = await h.raw(`GET http://evil.example/home HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.is(hostile.status, 200);
    assert.equal(h.origin.requests.map((r) => r.target), ['/home']);
    assert.is(h.origin.requests[0]!.headers.host, new URL(h.origin.url).host, 'the origin is asked under its own name');
    const ordinary = await h.get('/home');
    assert.match(ordinary.headers['cache-status']!, /hit/);
    assert.is(ordinary.body, hostile.body);
  });

  s('absolute-form under keyHost request: its authority is the Host, keyed and forwarded', async (ctx) => {
    const h = (ctx.h = await startHostileEdge(server, { keyHost: 'request' }));
    const hostile = await h.raw(`GET http://B.example/x HTTP/1.1\r\nHost: a.example\r\n`);
    assert.is(hostile.status, 200);
    assert.is(h.origin.requests[0]!.target, '/x');
    assert.is(h.origin.requests[0]!.headers.host, 'b.example');
    const ordinary = await h.get('/x', { host: 'a.example' });
    assert.is(ordinary.body, 'resource=/x host=a.example', 'a.example/x was not filed under b.example');
    assert.is((await h.get('/x', { host: 'b.example' })).body, 'resource=/x host=b.example');
    assert.is(h.origin.requests.length, 2);
  });

  s('absolute-form with userinfo or a bad authority is refused', async (ctx) => {
    const h = (ctx.h = await startHostileEdge(server, { keyHost: 'request' }));
    assert.is((await h.raw(`GET http://u@a.example/x HTTP/1.1\r\nHost: a.example\r\n`)).status, 400);
    assert.is((await h.raw(`GET http://a.example:99999/x HTTP/1.1\r\nHost: a.example\r\n`)).status, 400);
    assert.is(h.origin.requests.length, 0);
  });

  s('asterisk-form: OPTIONS * is answered by the edge, any other method is refused, nothing reaches the origin or a peer', async (ctx) => {
    const h = (ctx.h = await startHostileEdge(server, {
      cluster: {
        selfId: 'e1',
        // e2 is never listened on: a request sent to it would fail and count against it.
        members: [{ id: 'e1', url: 'http://127.0.0.1:9', weight: 1 }, { id: 'e2', url: 'http://127.0.0.1:9', weight: 1 }],
        peerTimeouts: { connectMs: 100, headersMs: 100, bodyIdleMs: 100 },
        peerSuspectMs: 1000,
        peerMaxSuspectMs: 1000,
        hotKeyRequestsPerSecond: 100,
        hotCacheFraction: 0.1,
        handoffMs: 0,
        peerAuth: { mode: 'require', secret: 'targets-test-peer-secret-0123456789ab', windowMs: 300_000 },
      },
    }));
    const options = await h.raw(`OPTIONS * HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.is(options.status, 200);
    assert.ok(options.headers['allow']?.includes('GET'));
    assert.is((await h.raw(`GET * HTTP/1.1\r\nHost: ${h.authority}\r\n`)).status, 400);
    assert.is((await h.raw(`DELETE * HTTP/1.1\r\nHost: ${h.authority}\r\n`)).status, 400);
    assert.is(h.origin.requests.length, 0);
    assert.is(h.edge.metrics.peerRequests, 0);
    assert.is(h.edge.metrics.peerErrors, 0);
  });

  s.run();
}
