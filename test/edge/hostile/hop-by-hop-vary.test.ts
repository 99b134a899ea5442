/**
 * Hop-by-hop first (issue 11, point 4; RFC 9110 §7.6.1): fields named in Connection are removed
 * before anything reads the request, so the variant a response is stored as is the one the
 * origin chose from what it was sent.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_FACING_SERVERS, http1Only } from './support/client-facing-servers.js';
import { startHostileEdge, type HostileEdge } from './support/hostile-edge.js';

for (const server of CLIENT_FACING_SERVERS) {
  const s = suite<{ h: HostileEdge }>(`hostile hop-by-hop (${server.name})`);
  s.before.each(async (ctx) => {
    ctx.h = await startHostileEdge(server);
    ctx.h.origin.answer = (req) => ({
      headers: { 'cache-control': 'max-age=300', vary: 'x-lang' },
      body: `lang=${String(req.headers['x-lang'] ?? 'none')}`,
    });
  });
  s.after.each(async (ctx) => {
    await ctx.h.close();
  });

  http1Only(server, s)('a field named in Connection does not select the stored variant', async ({ h }) => {
    const hostile = await h.raw(`GET /page HTTP/1.1\r\nHost: ${h.authority}\r\nX-Lang: de\r\nConnection: X-Lang\r\n`);
    assert.is(hostile.status, 200);
    assert.is(h.origin.requests[0]!.headers['x-lang'], undefined, 'the origin was not sent X-Lang');
    const german = await h.get('/page', { 'x-lang': 'de' });
    assert.is(german.body, 'lang=de', 'a German client is not served the default variant');
    const plain = await h.get('/page');
    assert.is(plain.body, 'lang=none');
    assert.match(plain.headers['cache-status']!, /hit/, 'the hostile fill is the variant for no X-Lang');
  });

  http1Only(server, s)('a Cache-Control named in Connection is not obeyed', async ({ h }) => {
    await h.get('/page');
    const res = await h.raw(`GET /page HTTP/1.1\r\nHost: ${h.authority}\r\nCache-Control: no-cache\r\nConnection: cache-control\r\n`);
    assert.match(res.headers['cache-status']!, /hit/);
    assert.is(h.origin.requests.length, 1);
  });

  s('a response varying on X-Forwarded-For (which the edge extends with the client address) is not shared', async ({ h }) => {
    h.origin.answer = (req) => ({ headers: { 'cache-control': 'max-age=300', vary: 'x-forwarded-for' }, body: `for=${String(req.headers['x-forwarded-for'])}` });
    const first = await h.raw(`GET /geo HTTP/1.1\r\nHost: ${h.authority}\r\nX-Forwarded-For: 10.0.0.1\r\n`);
    assert.match(first.headers['cache-status']!, /detail=vary-client-address/);
    const ordinary = await h.get('/geo', { 'x-forwarded-for': '10.0.0.1' });
    assert.ok(!/hit/.test(ordinary.headers['cache-status']!));
    assert.is(h.origin.requests.length, 2);
  });

  s.run();
}
