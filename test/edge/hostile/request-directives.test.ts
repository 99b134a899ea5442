/**
 * Request directives (issue 11, point 5; RFC 9111 §5.2.1): max-age=0, min-fresh and no-cache
 * make the edge validate before using a stored response, unless it is told to ignore them, and
 * Cache-Status says so. Other clients keep being served from cache.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_FACING_SERVERS } from './support/client-facing-servers.js';
import { startHostileEdge, type HostileEdge } from './support/hostile-edge.js';

for (const server of CLIENT_FACING_SERVERS) {
  const s = suite<{ h?: HostileEdge }>(`hostile request directives (${server.name})`);
  s.after.each(async (ctx) => {
    await ctx.h?.close();
    ctx.h = undefined;
  });

  for (const [cc, detail] of [['max-age=0', 'request-max-age'], ['min-fresh=600', 'request-min-fresh'], ['no-cache', 'request-no-cache']] as const) {
    s(`Cache-Control: ${cc} validates with the origin; Cache-Status says ${detail}`, async (ctx) => {
      const h = (ctx.h = await startHostileEdge(server));
      await h.get('/r');
      const res = await h.raw(`GET /r HTTP/1.1\r\nHost: ${h.authority}\r\nCache-Control: ${cc}\r\n`);
      assert.is(res.status, 200);
      assert.is(h.origin.requests.length, 2);
      assert.is(h.origin.requests[1]!.headers['if-none-match'], '"v1"', 'a validation, not a refetch');
      assert.match(res.headers['cache-status']!, /fwd=request; fwd-status=304/);
      assert.match(res.headers['cache-status']!, new RegExp(`detail=${detail}`));
      const ordinary = await h.get('/r');
      assert.match(ordinary.headers['cache-status']!, /hit/);
      assert.is(h.origin.requests.length, 2);
    });
  }

  s('max-age=N past its age is validated now, not served stale-while-revalidate', async (ctx) => {
    const h = (ctx.h = await startHostileEdge(server));
    h.origin.answer = () => ({ headers: { 'cache-control': 'max-age=300, stale-while-revalidate=600', etag: '"v1"' }, body: 'x' });
    await h.get('/r');
    h.clock.advance(100_000);
    const res = await h.raw(`GET /r HTTP/1.1\r\nHost: ${h.authority}\r\nCache-Control: max-age=50\r\n`);
    assert.match(res.headers['cache-status']!, /fwd=request; fwd-status=304/);
    assert.ok(!/stale-while-revalidate/.test(res.headers['cache-status']!));
  });

  s('with --ignore-request-cache-control, max-age=0 is answered from cache', async (ctx) => {
    const h = (ctx.h = await startHostileEdge(server, { honorRequestCacheControl: false }));
    await h.get('/r');
    const res = await h.raw(`GET /r HTTP/1.1\r\nHost: ${h.authority}\r\nCache-Control: max-age=0, no-cache\r\n`);
    assert.match(res.headers['cache-status']!, /hit/);
    assert.is(h.origin.requests.length, 1);
  });

  s.run();
}
