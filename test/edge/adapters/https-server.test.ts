/**
 * The HTTPS listener end to end (issue 17): HTTPS/1.1 and HTTP/2 by ALPN through the one pipeline,
 * certificates by SNI, reload without dropping open sessions, the rapid-reset guard, and
 * `:authority` held to the Host rules. Certificates are made in the test (test-certificates.ts).
 * The whole suite runs once per HTTP/2 layer (`http2.server`: node:http2 and the own one); the
 * node's http2 client these tests use is then a conformance check of the own layer.
 */
import { createServer } from 'node:http';
import { connect as http2Connect, constants } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, request } from 'undici';
import { loadCertificateSet, type CertificateSources } from '../../../edge/adapters/tls/certificate-set.js';
import type { CompletedRequest } from '../../../edge/pipeline/request-events.js';
import { FakeClock } from '../../support/fake-clock.js';
import { connectH2 } from '../../support/h2-client.js';
import { startHeldOrigin } from '../../support/held-origin.js';
import { startHttpsEdge as startEdge, type HttpsEdge } from '../../support/https-edge.js';
import { readUntil } from '../../support/raw-http.js';
import { createTestPki, type TestCertificate, type TestPki } from '../../support/test-certificates.js';

function listenerSuite(h2Server: 'node' | 'own'): void {
const s = suite<{ pki: TestPki; localhost: TestCertificate; h?: HttpsEdge }>(`https listener (h2: ${h2Server})`);
const startHttpsEdge = (certificates: CertificateSources, o: Parameters<typeof startEdge>[1] = {}): Promise<HttpsEdge> => startEdge(certificates, { ...o, http2: { ...o.http2, server: h2Server } });

s.before((ctx) => {
  ctx.pki = createTestPki();
  ctx.localhost = ctx.pki.issue('localhost');
});
s.after((ctx) => ctx.pki.remove());
s.after.each(async (ctx) => {
  await ctx.h?.close();
  ctx.h = undefined;
});

s('HTTPS/1.1 (ALPN http/1.1): a miss, then a hit from the cache', async (ctx) => {
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }));
  const dispatcher = new Agent({ connect: { ca: ctx.pki.ca, servername: 'localhost' } });
  try {
    const first = await request(`${h.url}/a`, { dispatcher });
    assert.is(first.statusCode, 200);
    assert.match(String(first.headers['cache-status']), /fwd=uri-miss/);
    assert.is(await first.body.text(), `resource=/a host=${new URL(h.origin.url).host}`);
    const second = await request(`${h.url}/a`, { dispatcher });
    assert.match(String(second.headers['cache-status']), /hit/);
    assert.is(await second.body.text(), `resource=/a host=${new URL(h.origin.url).host}`);
    assert.is(h.origin.requests.length, 1);
  } finally {
    await dispatcher.close();
  }
});

s('HTTPS/1.1 runs on the own HTTP/1.1 layer: its keep-alive deadline is on the Timers port, and a connection idle past it is closed', async (ctx) => {
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { keepAliveTimeoutMs: 5_000 }));
  const socket = await tlsOpen(h.port, ctx.pki.ca, ['http/1.1']);
  try {
    assert.is(socket.alpnProtocol, 'http/1.1');
    socket.write('GET /idle HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const first = await readUntil(socket, (text) => text.endsWith(`resource=/idle host=${new URL(h.origin.url).host}`));
    assert.match(first.text, /^HTTP\/1\.1 200 OK\r\n/);
    h.timers.advance(5_000);
    // node's compat layer ignores the Timers port: it would answer this second request.
    socket.write('GET /idle HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const second = await readUntil(socket, (text) => text.includes('\r\n\r\n'));
    assert.ok(second.closed, 'closed after keepAliveTimeoutMs of virtual time');
    assert.is(second.text, '');
  } finally {
    socket.destroy();
  }
});

s('HTTP/2 (ALPN h2): a miss, then a hit, with no connection-specific fields in the answer', async (ctx) => {
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }));
  // The origin names a connection-specific field; node's http2 would throw on sending it.
  h.origin.answer = () => ({ headers: { 'cache-control': 'max-age=60', 'keep-alive': 'timeout=5', 'x-kept': 'yes' }, body: 'h2 body' });
  let nodeSessions = 0;
  h.server.http2.on('session', () => nodeSessions++);
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    assert.is(client.session.alpnProtocol, 'h2');
    await client.get('/warm');
    assert.is(nodeSessions, h2Server === 'node' ? 1 : 0, 'the session is served by the chosen layer');
    const first = await client.get('/b');
    assert.is(first.status, 200);
    assert.match(String(first.headers['cache-status']), /fwd=uri-miss/);
    assert.is(first.body, 'h2 body');
    assert.is(first.headers['keep-alive'], undefined);
    assert.is(first.headers['x-kept'], 'yes');
    const second = await client.get('/b');
    assert.match(String(second.headers['cache-status']), /hit/);
    assert.is(second.body, 'h2 body');
    assert.is(h.origin.requests.length, 2);
    assert.is(h.origin.requests[1]!.headers.host, new URL(h.origin.url).host, 'the origin is asked under its own name, as over HTTP/1.1');
  } finally {
    await client.close();
  }
});

s('HTTP/2 streams are served without the compatibility API: a request body reaches the origin, and the watch reports HTTP/2 with the pipeline\'s outcome', async (ctx) => {
  const bodies: string[] = [];
  const origin = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(`${req.method} ${Buffer.concat(chunks).toString()}`);
      res.writeHead(200, { 'cache-control': 'no-store', 'content-type': 'text/plain' });
      res.end('posted');
    });
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const seen: CompletedRequest[] = [];
  const clock = new FakeClock();
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, {
    edge: { originUrl: `http://127.0.0.1:${(origin.address() as AddressInfo).port}` },
    watch: { observer: { completed: (e) => seen.push(e) }, clock, makeRequestId: () => 'id-1' },
  }));
  // node attaches its Http2ServerRequest/Response pair only to a server with a 'request' listener.
  if (h2Server === 'node') assert.is(h.server.http2.listenerCount('request'), 0);
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    const reply = await client.request({ ':method': 'POST', ':path': '/form', 'content-type': 'text/plain', 'user-agent': 'ua-1' }, 'a=1&b=2');
    assert.is(reply.status, 200);
    assert.is(reply.body, 'posted');
    assert.equal(bodies, ['POST a=1&b=2']);
    await client.close();
    assert.equal(seen.map((e) => [e.protocol, e.method, e.target, e.status, e.outcome.kind, e.completed, e.userAgent, e.clientAddress]), [['HTTP/2', 'POST', '/form', 200, 'pass', true, 'ua-1', '127.0.0.1']]);
  } finally {
    await client.close();
    origin.closeAllConnections();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  }
});

s('HTTP/2 and HTTPS/1.1 share one cache: what one stored, the other hits', async (ctx) => {
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }));
  const client = await connectH2(h.url, ctx.pki.ca);
  const dispatcher = new Agent({ connect: { ca: ctx.pki.ca, servername: 'localhost' } });
  try {
    assert.is((await client.get('/shared')).status, 200);
    const viaH1 = await request(`${h.url}/shared`, { dispatcher });
    assert.match(String(viaH1.headers['cache-status']), /hit/);
    await viaH1.body.dump();
    assert.is(h.origin.requests.length, 1);
  } finally {
    await client.close();
    await dispatcher.close();
  }
});

s('SNI chooses the certificate: exact name, wildcard, and the default for any other name', async (ctx) => {
  const a = ctx.pki.issue('a.example');
  const wild = ctx.pki.issue('*.wild.example', ['*.wild.example']);
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [{ serverNames: ['a.example'], ...a }, { serverNames: ['*.wild.example'], ...wild }] }));
  assert.is((await peerCertificate(h.port, ctx.pki.ca, 'a.example')).subject.CN, 'a.example');
  assert.is((await peerCertificate(h.port, ctx.pki.ca, 'A.Example')).subject.CN, 'a.example', 'names compare without case');
  assert.is((await peerCertificate(h.port, ctx.pki.ca, 'x.wild.example')).subject.CN, '*.wild.example');
  const other = await peerCertificate(h.port, ctx.pki.ca, 'other.example');
  assert.is(other.subject.CN, 'localhost');
  assert.match(other.subjectaltname ?? '', /DNS:localhost/);
  assert.is((await peerCertificate(h.port, ctx.pki.ca, undefined)).subject.CN, 'localhost', 'no SNI at all: the default');
});

s('reload: new handshakes get the new certificates, an open HTTP/2 session keeps working', async (ctx) => {
  const a = ctx.pki.issue('a.example');
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [{ serverNames: ['a.example'], ...a }] }));
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    assert.is((await client.get('/before')).status, 200);
    const renewed = ctx.pki.issue('localhost');
    const renewedA = ctx.pki.issue('a.example');
    h.server.reload(loadCertificateSet({ default: renewed, bySni: [{ serverNames: ['a.example'], ...renewedA }] }));
    const fresh = await peerCertificate(h.port, ctx.pki.ca, 'localhost');
    const freshA = await peerCertificate(h.port, ctx.pki.ca, 'a.example');
    assert.is.not(fresh.serialNumber, (await serialOf(ctx.localhost)), 'the default was swapped');
    assert.is(fresh.serialNumber, await serialOf(renewed));
    assert.is(freshA.serialNumber, await serialOf(renewedA), 'the SNI map was swapped');
    const after = await client.get('/after');
    assert.is(after.status, 200, 'the session opened before the reload still serves');
    assert.is(after.body, `resource=/after host=${new URL(h.origin.url).host}`);
  } finally {
    await client.close();
  }
});

s('rapid reset: a client that resets more streams than its budget gets GOAWAY ENHANCE_YOUR_CALM', async (ctx) => {
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { maxResetsPerWindow: 10 } }));
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    const goaway = new Promise<number>((resolve) => client.session.once('goaway', (code: number) => resolve(code)));
    const closed = new Promise<void>((resolve) => client.session.once('close', () => resolve()));
    for (let i = 0; i < 50 && !client.session.destroyed && !client.session.closed; i++) {
      const stream = client.session.request({ ':path': `/reset-${i}` });
      stream.on('error', () => undefined);
      stream.close(constants.NGHTTP2_CANCEL);
    }
    // Without the guard the probe behind the resets is simply answered, and the race says so.
    const probe = client.get('/probe').then(() => -1, () => new Promise<number>(() => undefined));
    assert.is(await Promise.race([goaway, probe]), constants.NGHTTP2_ENHANCE_YOUR_CALM);
    await closed;
  } finally {
    await client.close();
  }
});

s('resets within the budget are an ordinary client cancelling: the session stays open', async (ctx) => {
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { maxResetsPerWindow: 10 } }));
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    for (let i = 0; i < 10; i++) {
      const stream = client.session.request({ ':path': `/cancel-${i}` });
      stream.on('error', () => undefined);
      stream.close(constants.NGHTTP2_CANCEL);
    }
    const reply = await client.get('/after-cancels');
    assert.is(reply.status, 200);
    assert.not.ok(client.session.destroyed);
  } finally {
    await client.close();
  }
});

s(':authority and Host naming different hosts is refused with 400 before the pipeline; agreeing ones are served', async (ctx) => {
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { edge: { keyHost: 'request' } }));
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    const refused = await client.request({ ':path': '/x', ':authority': 'a.example', host: 'b.example' });
    assert.is(refused.status, 400);
    assert.match(refused.body, /:authority and Host/);
    assert.is(h.origin.requests.length, 0);
    const agreeing = await client.request({ ':path': '/x', ':authority': 'a.example', host: 'A.EXAMPLE' });
    assert.is(agreeing.status, 200);
    assert.is(agreeing.body, 'resource=/x host=a.example', ':authority is the Host the key and the origin see');
    const authorityOnly = await client.request({ ':path': '/x', ':authority': 'b.example' });
    assert.is(authorityOnly.body, 'resource=/x host=b.example');
    const invalid = await client.request({ ':path': '/x', ':authority': 'a.example:99999' });
    assert.is(invalid.status, 400, 'an :authority the HTTP/1.1 Host rules refuse is refused the same way');
  } finally {
    await client.close();
  }
});

s('a header list over maxHeaderListBytes is answered 431 and never forwarded; the session goes on', async (ctx) => {
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { maxHeaderListBytes: 4096 } }));
  // Sent at once, before the edge's SETTINGS arrive: node's client would otherwise refuse to send
  // it itself, and what is tested is the edge's own bound on a client that does not care.
  const session = http2Connect(h.url, { ca: ctx.pki.ca, servername: 'localhost' });
  session.on('error', () => undefined);
  try {
    const status = (fields: Record<string, string>) =>
      new Promise<unknown>((resolve, reject) => {
        const stream = session.request(fields);
        stream.on('response', (r) => resolve(r[':status']));
        stream.on('error', reject);
        stream.resume();
      });
    const big = status({ ':path': '/big', 'x-big': 'a'.repeat(8192) });
    assert.is(await big, 431);
    assert.is(h.origin.requests.length, 0);
    assert.is(await status({ ':path': '/small', 'x-small': 'a'.repeat(1024) }), 200);
  } finally {
    session.destroy();
  }
});

s('shutdown: closeIdleConnections lets an HTTP/2 stream in flight finish, then the session goes away', async (ctx) => {
  // An origin whose answer waits for the test: the stream is in flight while the edge shuts down.
  const origin = await startHeldOrigin();
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { edge: { originUrl: origin.url } }));
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    const sessionGone = new Promise<void>((resolve) => client.session.once('close', () => resolve()));
    const reply = client.get('/held');
    await origin.waitForArrivals(1);
    h.server.close();
    h.server.closeIdleConnections();
    origin.release();
    const answered = await reply;
    assert.is(answered.status, 200);
    assert.is(answered.body, 'held /held\n');
    await sessionGone;
  } finally {
    await client.close();
    await origin.close();
  }
});

s('shutdown: close() lets an HTTPS/1.1 response in flight finish with Connection: close, and an idle HTTPS/1.1 connection is closed', async (ctx) => {
  const origin = await startHeldOrigin();
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { edge: { originUrl: origin.url } }));
  const busy = await tlsOpen(h.port, ctx.pki.ca, ['http/1.1']);
  const idle = await tlsOpen(h.port, ctx.pki.ca, ['http/1.1']);
  try {
    const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    const busyClosed = new Promise<void>((resolve) => busy.once('close', () => resolve()));
    busy.write('GET /held HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const reply = readUntil(busy, (text) => text.endsWith('held /held\n'));
    await origin.waitForArrivals(1);
    h.server.close();
    await idleClosed;
    origin.release();
    const answered = await reply;
    assert.match(answered.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answered.text, /\r\nconnection: close\r\n/i);
    await busyClosed; // and the connection closes after the response
  } finally {
    busy.destroy();
    idle.destroy();
    await origin.close();
  }
});

(h2Server === 'node' ? s : s.skip)('the idle timer spares a session with a stream in flight (a slow origin), and closes it once idle', async (ctx) => {
  let release: () => void = () => undefined;
  const originServer = createServer((_req, res) => {
    release = () => {
      res.writeHead(200, { 'cache-control': 'no-store' });
      res.end('slow but whole');
    };
  });
  await new Promise<void>((resolve) => originServer.listen(0, '127.0.0.1', resolve));
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { keepAliveTimeoutMs: 50, edge: { originUrl: `http://127.0.0.1:${(originServer.address() as AddressInfo).port}` } }));
  // The origin answers only once the edge's idle timer has fired on the session: an event, not a sleep.
  const timerFired = new Promise<void>((resolve) => h.server.http2.once('session', (session) => session.once('timeout', () => resolve())));
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    const sessionGone = new Promise<void>((resolve) => client.session.once('close', () => resolve()));
    const reply = client.get('/slow');
    await timerFired;
    release();
    const answered = await reply;
    assert.is(answered.status, 200);
    assert.is(answered.body, 'slow but whole');
    await sessionGone;
  } finally {
    await client.close();
    originServer.closeAllConnections();
    await new Promise<void>((resolve) => originServer.close(() => resolve()));
  }
});

(h2Server === 'own' ? s : s.skip)('own layer: the idle timer (Timers port) spares a connection with a stream in flight, and closes it with GOAWAY once idle', async (ctx) => {
  const held = await startHeldOrigin();
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { keepAliveTimeoutMs: 5_000, edge: { originUrl: held.url } }));
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    const goaway = new Promise<number>((resolve) => client.session.once('goaway', (code: number) => resolve(code)));
    const sessionGone = new Promise<void>((resolve) => client.session.once('close', () => resolve()));
    const reply = client.get('/slow');
    await held.waitForArrivals(1);
    h.timers.advance(5_000);
    held.release();
    const answered = await reply;
    assert.is(answered.status, 200);
    assert.is(answered.body, 'held /slow\n');
    assert.not.ok(client.session.closed, 'still open: the deadline passed while the stream was in flight');
    h.timers.advance(5_000);
    assert.is(await goaway, constants.NGHTTP2_NO_ERROR);
    await sessionGone;
  } finally {
    await client.close();
    await held.close();
  }
});

s('103 Early Hints from the origin reach an HTTP/2 client ahead of the final answer', async (ctx) => {
  const origin = createServer((_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
    res.writeHead(200, { 'cache-control': 'no-store', 'content-type': 'text/plain' });
    res.end('final');
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const h = (ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { edge: { originUrl: `http://127.0.0.1:${(origin.address() as AddressInfo).port}` } }));
  const client = await connectH2(h.url, ctx.pki.ca);
  try {
    const stream = client.session.request({ ':path': '/hinted' });
    const hints = new Promise<Record<string, unknown>>((resolve) => stream.once('headers', (fields) => resolve(fields)));
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((resolve) => stream.once('end', () => resolve()));
    const info = await hints;
    assert.is(info[':status'], 103);
    assert.is(info['link'], '</style.css>; rel=preload; as=style');
    await ended;
    assert.is(Buffer.concat(chunks).toString(), 'final');
  } finally {
    await client.close();
    origin.closeAllConnections();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  }
});

s.run();
}

listenerSuite('node');
listenerSuite('own');

function tlsOpen(port: number, ca: Buffer, ALPNProtocols: string[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function peerCertificate(port: number, ca: Buffer, servername: string | undefined): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, ...(servername === undefined ? {} : { servername }), checkServerIdentity: () => undefined, ALPNProtocols: ['http/1.1'] }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

async function serialOf(cert: TestCertificate): Promise<string> {
  const { X509Certificate } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  return new X509Certificate(readFileSync(cert.cert)).serialNumber;
}
