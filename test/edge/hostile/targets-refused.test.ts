/**
 * Targets with no single meaning (issue 11, point 1) are answered 400 and never forwarded, so no
 * spelling can make the edge key one URL while the origin serves another. Every test then asks
 * as an ordinary client and checks it still gets what the origin serves for that URL.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_FACING_SERVERS } from './support/client-facing-servers.js';
import { startHostileEdge, type HostileEdge } from './support/hostile-edge.js';

for (const server of CLIENT_FACING_SERVERS) {
  const s = suite<{ h: HostileEdge }>(`hostile targets refused (${server.name})`);
  s.before.each(async (ctx) => {
    ctx.h = await startHostileEdge(server);
  });
  s.after.each(async (ctx) => {
    await ctx.h.close();
  });

  s('a backslash: /uploads\\x/../home is refused, /home stays the origin\'s /home', async ({ h }) => {
    const hostile = await h.raw(`GET /uploads\\x/../home HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.is(hostile.status, 400);
    assert.is(h.origin.requests.length, 0, 'nothing was forwarded');
    const ordinary = await h.get('/home');
    assert.is(ordinary.body, `resource=/home host=${new URL(h.origin.url).host}`);
  });

  s('an encoded dot segment is refused, and does not fill the URL it would resolve to', async ({ h }) => {
    // An origin that takes %2e%2e literally (a file named '..'), as some do.
    h.origin.answer = (req) => ({ headers: { 'cache-control': 'max-age=300' }, body: `literal=${req.target}` });
    const hostile = await h.raw(`GET /static/%2e%2e/home HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.is(hostile.status, 400);
    const halfEncoded = await h.raw(`GET /static/.%2E/home HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.is(halfEncoded.status, 400);
    assert.is(h.origin.requests.length, 0);
    assert.is((await h.get('/home')).body, 'literal=/home');
  });

  s('a fragment is refused', async ({ h }) => {
    const hostile = await h.raw(`GET /home#x HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.is(hostile.status, 400);
    assert.is(h.origin.requests.length, 0);
    assert.ok((await h.get('/home')).body.startsWith('resource=/home '));
  });

  s('malformed percent-encoding is refused, in the path and in the query', async ({ h }) => {
    assert.is((await h.raw(`GET /a%zz HTTP/1.1\r\nHost: ${h.authority}\r\n`)).status, 400);
    assert.is((await h.raw(`GET /a?x=%4 HTTP/1.1\r\nHost: ${h.authority}\r\n`)).status, 400);
    assert.is(h.origin.requests.length, 0);
    assert.ok((await h.get('/a?x=%41')).body.startsWith('resource=/a?x=A '));
  });

  s('control characters are refused, whatever the server in front let through', async ({ h }) => {
    assert.is((await h.raw(`GET /a\u0001b HTTP/1.1\r\nHost: ${h.authority}\r\n`)).status, 400);
    // The pipeline refuses it too: a front end that passes it on changes nothing.
    const res = await h.edge.handle({ method: 'GET', target: '/a\u0001b', headers: { host: h.authority } });
    assert.is(res.status, 400);
    assert.ok(String(res.body).includes('control-character'));
    assert.is(h.origin.requests.length, 0);
    assert.is(h.edge.metrics.requests.error, 0, "a client's bad request is not an edge error");
  });

  s('unsafe methods with a refused target are not forwarded either', async ({ h }) => {
    assert.is((await h.raw(`DELETE /uploads\\x/../home HTTP/1.1\r\nHost: ${h.authority}\r\n`)).status, 400);
    assert.is(h.origin.requests.length, 0);
  });

  s.run();
}
