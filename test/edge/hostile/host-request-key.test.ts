/**
 * Host under `--key-host request` (issue 11, point 3; RFC 9110 §7.2): only a host and an
 * optional port, lower-cased; the keyed Host is the forwarded Host.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_FACING_SERVERS, http1Only } from './support/client-facing-servers.js';
import { startHostileEdge, type HostileEdge } from './support/hostile-edge.js';

for (const server of CLIENT_FACING_SERVERS) {
  const s = suite<{ h: HostileEdge }>(`hostile Host under keyHost request (${server.name})`);
  s.before.each(async (ctx) => {
    ctx.h = await startHostileEdge(server, { keyHost: 'request' });
  });
  s.after.each(async (ctx) => {
    await ctx.h.close();
  });

  s('a Host with a path cannot file one URL under another', async ({ h }) => {
    const hostile = await h.raw(`GET /c HTTP/1.1\r\nHost: a.example/b\r\n`);
    assert.is(hostile.status, 400);
    assert.is(h.origin.requests.length, 0);
    assert.is((await h.get('/b/c', { host: 'a.example' })).body, 'resource=/b/c host=a.example');
  });

  s('userinfo, whitespace, a query or a bad port in Host are refused', async ({ h }) => {
    for (const host of ['u@a.example', 'a.example x', 'a.example?x', 'a.example:99999', 'a.example:8o']) {
      assert.is((await h.raw(`GET /c HTTP/1.1\r\nHost: ${host}\r\n`)).status, 400, host);
    }
    assert.is(h.origin.requests.length, 0);
  });

  s('the Host is lower-cased and :80 dropped, and the origin is sent that same Host', async ({ h }) => {
    const hostile = await h.raw(`GET /c HTTP/1.1\r\nHost: A.Example:80\r\n`);
    assert.is(hostile.status, 200);
    assert.is(h.origin.requests[0]!.headers.host, 'a.example');
    const ordinary = await h.get('/c', { host: 'a.example' });
    assert.match(ordinary.headers['cache-status']!, /hit/);
    assert.is(ordinary.body, 'resource=/c host=a.example');
  });

  s('a request without Host is refused by the pipeline, whatever the server in front does', async ({ h }) => {
    const res = await h.edge.handle({ method: 'GET', target: '/c', headers: {} });
    assert.is(res.status, 400);
    assert.is(h.origin.requests.length, 0);
  });

  http1Only(server, s)('a Host named in Connection is gone before it is read: refused, not keyed', async ({ h }) => {
    assert.is((await h.raw(`GET /c HTTP/1.1\r\nHost: a.example\r\nConnection: host\r\n`)).status, 400);
    assert.is(h.origin.requests.length, 0);
  });

  s.run();
}
