/**
 * Targets with one meaning (issue 11, point 1) are served, and the origin is sent byte for byte
 * the spelling that was keyed: whatever the origin makes of it, it is what every other spelling
 * of that key will be served.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_FACING_SERVERS } from './support/client-facing-servers.js';
import { startHostileEdge, type HostileEdge } from './support/hostile-edge.js';

for (const server of CLIENT_FACING_SERVERS) {
  const s = suite<{ h: HostileEdge }>(`hostile targets canonical (${server.name})`);
  s.before.each(async (ctx) => {
    ctx.h = await startHostileEdge(server);
    // An origin that serves the target exactly as it arrived: any difference between the keyed
    // and the forwarded spelling would show in the body another client is served.
    ctx.h.origin.answer = (req) => ({ headers: { 'cache-control': 'max-age=300', etag: '"v1"' }, body: `literal=${req.target}` });
  });
  s.after.each(async (ctx) => {
    await ctx.h.close();
  });

  s('dot segments: /x/../home is forwarded as /home, and /home is a hit of it', async ({ h }) => {
    const first = await h.raw(`GET /x/../home HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.is(first.status, 200);
    assert.equal(h.origin.requests.map((r) => r.target), ['/home']);
    const ordinary = await h.get('/home');
    assert.is(ordinary.body, 'literal=/home');
    assert.match(ordinary.headers['cache-status']!, /hit/);
    assert.is(h.origin.requests.length, 1);
  });

  s('/a/./b and %7E are served, forwarded canonical', async ({ h }) => {
    assert.is((await h.raw(`GET /a/./b HTTP/1.1\r\nHost: ${h.authority}\r\n`)).status, 200);
    assert.is((await h.raw(`GET /%7euser HTTP/1.1\r\nHost: ${h.authority}\r\n`)).status, 200);
    assert.equal(h.origin.requests.map((r) => r.target), ['/a/b', '/~user']);
    assert.is((await h.get('/~user')).body, 'literal=/~user');
    assert.is((await h.get('/a/b')).body, 'literal=/a/b');
    assert.is(h.origin.requests.length, 2);
  });

  s('%2F stays encoded, on the wire and in the key: /a%2fb is not /a/b', async ({ h }) => {
    await h.raw(`GET /a%2fb HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.equal(h.origin.requests.map((r) => r.target), ['/a%2Fb']);
    assert.is((await h.get('/a/b')).body, 'literal=/a/b');
    assert.is((await h.get('/a%2Fb')).body, 'literal=/a%2Fb');
    assert.is(h.origin.requests.length, 2);
  });

  s('the query is forwarded as keyed: percent-encoding normalized, order kept', async ({ h }) => {
    await h.raw(`GET /q?b=%7e&a=%2f HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.equal(h.origin.requests.map((r) => r.target), ['/q?b=~&a=%2F']);
    assert.is((await h.get('/q?b=~&a=%2F')).body, 'literal=/q?b=~&a=%2F');
    assert.is(h.origin.requests.length, 1);
  });

  s('a URL purge removes every spelling that maps to its key', async ({ h }) => {
    await h.raw(`GET /p/%7ea HTTP/1.1\r\nHost: ${h.authority}\r\n`);
    assert.is(h.origin.requests.length, 1);
    h.edge.control.applyPurge({ seq: 1, id: 'p1', kind: 'url', values: [`${h.authority}/p/x/../~a`], soft: false, acceptedAtMs: 0 });
    const after = await h.get('/p/~a');
    assert.match(after.headers['cache-status']!, /fwd=uri-miss/);
    assert.is(h.origin.requests.length, 2);
    // A purge naming a URL no request could be stored under removes nothing (and throws nothing).
    h.edge.control.applyPurge({ seq: 2, id: 'p2', kind: 'url', values: [`https://${h.authority}/p\\..\\p/~a`], soft: false, acceptedAtMs: 0 });
    assert.match((await h.get('/p/~a')).headers['cache-status']!, /hit/);
  });

  s.run();
}
