/**
 * The own HTTP/2 layer against node:http2, differentially: the same requests, sent by node's
 * http2 client (HPACK with Huffman and its dynamic table, as real clients send), through each layer
 * into a recording pipeline, must give the same request records (method, target, header object,
 * client address, body) and the client the same answers (status, fields but Date, body).
 */
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutgoingHttpHeaders } from 'node:http2';
import { createHttpsEdgeServer } from '../../../../edge/adapters/https-server.js';
import { loadCertificateSet } from '../../../../edge/adapters/tls/certificate-set.js';
import type { EdgeRequest, EdgeResponse } from '../../../../edge/pipeline/types.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { connectH2, type H2Reply } from '../../../support/h2-client.js';
import { http2Limits } from '../../../support/https-edge.js';
import { ManualTimers } from '../../../support/manual-timers.js';
import { createTestPki } from '../../../support/test-certificates.js';
import { silent } from '../../../support/test-edge-options.js';

interface Record {
  method: string;
  target: string;
  headers: [string, string | string[]][];
  clientAddress: string | undefined;
  body: string | undefined;
}

/** A pipeline that records each request (its body read in full) and answers with fields that exercise the response path. */
function recordingEdge(records: Record[]): { handle(req: EdgeRequest): Promise<EdgeResponse> } {
  return {
    async handle(req) {
      let body: string | undefined;
      if (req.body !== undefined) {
        const chunks: Buffer[] = [];
        for await (const c of req.body) chunks.push(Buffer.from(c));
        body = Buffer.concat(chunks).toString('latin1');
      }
      const headers = Object.keys(req.headers).sort().map((k) => [k, req.headers[k]!] as [string, string | string[]]);
      records.push({ method: req.method, target: req.target, headers, clientAddress: req.clientAddress, body });
      const text = `seen ${req.method} ${req.target}`;
      return {
        status: req.target.startsWith('/missing') ? 404 : 200,
        headers: ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Connection', 'close', 'X-Long', 'y'.repeat(5000), 'Cache-Control', 'no-store'],
        body: req.method === 'HEAD' ? undefined : Buffer.from(text),
        outcome: { kind: 'pass', hit: false, bytes: text.length },
      } as EdgeResponse;
    },
  };
}

const REQUESTS: { headers: OutgoingHttpHeaders; body?: string }[] = [
  { headers: { ':path': '/plain' } },
  { headers: { ':path': '/q?a=1&b=%20x', 'accept': 'text/html', 'user-agent': 'ua/1.0' } },
  { headers: { ':path': '/repeat', 'accept': ['text/html', 'application/json'], 'cookie': ['a=1', 'b=2'], 'x-list': ['one', 'two'] } },
  { headers: { ':path': '/long', 'x-long': 'L'.repeat(6000), 'x-utf': 'caf\u00e9' } },
  { headers: { ':path': '/host', 'host': 'localhost' } },
  { headers: { ':method': 'POST', ':path': '/post', 'content-type': 'text/plain' }, body: 'field=value&'.repeat(2000) },
  // Larger than the stream window (64 KiB): arrives only if WINDOW_UPDATEs follow the pipeline's reads.
  { headers: { ':method': 'PUT', ':path': '/put', 'content-length': String(300 * 1024) }, body: 'p'.repeat(300 * 1024) },
  { headers: { ':method': 'HEAD', ':path': '/head' } },
  { headers: { ':path': '/missing/thing' } },
  ...Array.from({ length: 20 }, (_, i) => ({ headers: { ':path': `/seq/${i}`, 'accept-language': 'en', 'x-same': 'same-value-each-time' } })),
];

async function run(h2Server: 'node' | 'own', ca: Buffer, leaf: { cert: string; key: string }): Promise<{ records: Record[]; replies: H2Reply[] }> {
  const records: Record[] = [];
  const clock = new FakeClock();
  const server = createHttpsEdgeServer(recordingEdge(records), { logger: silent, clock, timers: new ManualTimers(clock) }, {
    keepAliveTimeoutMs: 60_000,
    headersTimeoutMs: 60_000,
    certificates: loadCertificateSet({ default: leaf, bySni: [] }),
    http2: http2Limits({ server: h2Server }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = await connectH2(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, ca);
  const replies: H2Reply[] = [];
  try {
    // One at a time, so both runs record in the same order.
    // The same :authority on both (node's client would name each server's port).
    for (const r of REQUESTS) replies.push(await client.request({ ':authority': 'localhost', ...r.headers }, r.body));
  } finally {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  for (const reply of replies) delete reply.headers['date'];
  return { records, replies };
}

test('the same requests through node:http2 and the own layer: the same pipeline records and the same answers', async () => {
  const pki = createTestPki();
  try {
    pki.issue('localhost');
    const leaf = { cert: `${pki.dir}/leaf-1.pem`, key: `${pki.dir}/leaf-1.key` };
    const node = await run('node', pki.ca, leaf);
    const own = await run('own', pki.ca, leaf);
    assert.is(node.records.length, REQUESTS.length);
    for (let i = 0; i < REQUESTS.length; i++) {
      assert.equal(own.records[i], node.records[i], `request ${i} (${String(REQUESTS[i]!.headers[':path'])})`);
      assert.equal({ ...own.replies[i]!.headers }, { ...node.replies[i]!.headers }, `answer fields ${i}`);
      assert.is(own.replies[i]!.body, node.replies[i]!.body, `answer body ${i}`);
    }
  } finally {
    pki.remove();
  }
});

test.run();
