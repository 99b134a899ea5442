/**
 * Peers over https (issue 17, point 3): two edges whose ring URLs are https, each behind the
 * HTTPS listener with a certificate from a private CA, and a transport that trusts that CA (what
 * --ca-file gives the binary). A miss at the non-owner is fetched from the owner over TLS.
 */
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, request } from 'undici';
import { createUndiciTransport } from '../../../common/adapters/undici-transport.js';
import { createHttpsEdgeServer, type HttpsEdgeServer } from '../../../edge/adapters/https-server.js';
import { loadCertificateSet } from '../../../edge/adapters/tls/certificate-set.js';
import { Edge } from '../../../edge/pipeline/edge.js';
import { DEFAULT_PEER_AUTH_WINDOW_MS } from '../../../edge/routing/peer-auth.js';
import type { RingMember } from '../../../edge/routing/ring.js';
import { FakeClock } from '../../support/fake-clock.js';
import { http2Limits } from '../../support/https-edge.js';
import { ManualTimers } from '../../support/manual-timers.js';
import { createTestPki } from '../../support/test-certificates.js';
import { silent, testEdgeOptions } from '../../support/test-edge-options.js';
import { startRecordingOrigin } from '../hostile/support/recording-origin.js';

const SECRET = 'https-peers-test-secret-0123456789abcdef';

async function region(trustTestCa: boolean) {
  const pki = createTestPki();
  const leaf = pki.issue('localhost');
  const clock = new FakeClock();
  const origin = await startRecordingOrigin();
  const transport = createUndiciTransport(trustTestCa ? { ca: pki.ca } : {});
  const edges = new Map<string, Edge>();
  const servers: HttpsEdgeServer[] = [];
  const members: RingMember[] = [];
  for (const id of ['e1', 'e2']) {
    // Listening before the ring exists (it names every member's URL): requests go to the edge attached below.
    const server = createHttpsEdgeServer({ handle: (req) => edges.get(id)!.handle(req) }, { logger: silent, clock, timers: new ManualTimers(clock) }, {
      keepAliveTimeoutMs: 60_000,
      headersTimeoutMs: 60_000,
      certificates: loadCertificateSet({ default: leaf, bySni: [] }),
      http2: http2Limits(),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    members.push({ id, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, weight: 1 });
  }
  for (const { id } of members) {
    edges.set(id, new Edge({
      ...testEdgeOptions({ cacheName: id, originUrl: origin.url, clock, transport }),
      cluster: {
        selfId: id,
        members,
        peerTimeouts: { connectMs: 5_000, headersMs: 5_000, bodyIdleMs: 5_000 },
        peerSuspectMs: 60_000,
        peerMaxSuspectMs: 60_000,
        hotKeyRequestsPerSecond: 1_000_000,
        hotCacheFraction: 0.1,
        handoffMs: 300_000,
        peerAuth: { mode: 'require', secret: SECRET, windowMs: DEFAULT_PEER_AUTH_WINDOW_MS },
      },
    }));
  }
  const owner = (path: string) => members.find((m) => edges.get(m.id)!.cluster!.owns(edges.get(m.id)!.control.keyFor(undefined, path)!))!;
  const client = new Agent({ connect: { ca: pki.ca, servername: 'localhost' } });
  return {
    members,
    origin,
    owner,
    async get(url: string) {
      const res = await request(url, { dispatcher: client });
      return { status: res.statusCode, cacheStatus: String(res.headers['cache-status']), body: await res.body.text() };
    },
    async close() {
      for (const edge of edges.values()) await edge.settled();
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await client.close();
      await origin.close();
      await transport.close();
      pki.remove();
    },
  };
}

test('peers over https with the private CA trusted: the non-owner fetches from the owner over TLS', async () => {
  const r = await region(true);
  try {
    const path = '/peer-tls';
    const owner = r.owner(path);
    const front = r.members.find((m) => m.id !== owner.id)!;
    const first = await r.get(`${front.url}${path}`);
    assert.is(first.status, 200);
    assert.match(first.cacheStatus, new RegExp(`${owner.id}; fwd=uri-miss`), 'the owner answered, behind the front');
    assert.is(r.origin.requests.length, 1, 'the owner asked the origin once');
    const atOwner = await r.get(`${owner.url}${path}`);
    assert.match(atOwner.cacheStatus, new RegExp(`^${owner.id}; hit`), 'the owner stored what it fetched for the front');
    assert.is(r.origin.requests.length, 1);
  } finally {
    await r.close();
  }
});

test('without the CA the peer\'s certificate is refused: the front goes to the origin itself, nothing is sent in the clear', async () => {
  const r = await region(false);
  try {
    const path = '/peer-untrusted';
    const owner = r.owner(path);
    const front = r.members.find((m) => m.id !== owner.id)!;
    const res = await r.get(`${front.url}${path}`);
    assert.is(res.status, 200);
    assert.not.match(res.cacheStatus, new RegExp(`${owner.id};`), 'the owner never answered');
    assert.is(r.origin.requests.length, 1);
  } finally {
    await r.close();
  }
});

test.run();
