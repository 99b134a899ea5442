/**
 * Attacker's review of the own layer: a client the edge has ended (GOAWAY, then FIN) that keeps
 * its own side open must not hold the edge's socket forever. Manual timers: the socket is cut
 * once the close grace has passed, not before.
 */
import { connect as netConnect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { connect } from 'node:tls';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startHttpsEdge, type HttpsEdge } from '../../../support/https-edge.js';
import { createTestPki, type TestCertificate, type TestPki } from '../../../support/test-certificates.js';

type Ctx = { pki: TestPki; localhost: TestCertificate; h?: HttpsEdge; client?: TLSSocket };
const s = suite<Ctx>('h2 own layer: half-open clients after the edge ended the connection');
s.before((ctx) => {
  ctx.pki = createTestPki();
  ctx.localhost = ctx.pki.issue('localhost');
});
s.after((ctx) => ctx.pki.remove());
s.after.each(async (ctx) => {
  ctx.client?.destroy();
  await ctx.h?.close();
  ctx.h = undefined;
});

s('a client that never closes after GOAWAY: the edge cuts its socket after the close grace (10 s), not before', async (ctx) => {
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { server: 'own' } });
  const serverSide = new Promise<TLSSocket>((resolve) => ctx.h!.server.once('secureConnection', resolve));
  const tcp = netConnect({ host: '127.0.0.1', port: ctx.h.port, allowHalfOpen: true });
  const client = (ctx.client = connect({ socket: tcp, ca: ctx.pki.ca, servername: 'localhost', ALPNProtocols: ['h2'] }));
  await new Promise<void>((resolve) => client.once('secureConnect', () => resolve()));
  const server = await serverSide;
  const serverClosed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  client.resume();
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  client.write('GET / HTTP/1.1\r\n\r\n'); // not the preface: GOAWAY PROTOCOL_ERROR, then FIN
  await ended;
  ctx.h.timers.advance(9_999);
  assert.not.ok(server.destroyed, 'not cut before the grace');
  ctx.h.timers.advance(1);
  await serverClosed;
});

s.run();
