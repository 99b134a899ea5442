/**
 * A request reaching a simulated edge becomes the same request record node:http (and the edge's
 * own HTTP/1.1 layer, which combines fields the same way) would make of it. world.ts's own copy
 * joined every repeated field with ", " (two Host fields became "a, b", cookies ", "-joined),
 * passed a GET's body to the pipeline and gave no client address.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../../common/http.js';
import { edgeRequestFromWire } from '../../../sim/kernel/edge-wire.js';
import { openRaw, readUntil } from '../../support/raw-http.js';

/** The header object node:http hands its request handler for these exact fields. */
async function nodeHeaders(fields: HeaderList): Promise<IncomingHttpHeaders> {
  let seen: IncomingHttpHeaders | undefined;
  const server = createServer((req, res) => {
    seen = req.headers;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const socket = await openRaw((server.address() as AddressInfo).port);
    socket.write(`GET /a HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`);
    await readUntil(socket, () => false);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const { connection: _dropped, ...rest } = seen!;
  return rest;
}

const repeated: HeaderList = [
  ['Host', 'a.example'],
  ['Host', 'b.example'],
  ['Cookie', 'x=1'],
  ['Cookie', 'y=2'],
  ['Accept', 'text/html'],
  ['Accept', 'image/*'],
  ['User-Agent', 'one'],
  ['User-Agent', 'two'],
  ['If-Modified-Since', 'Tue, 01 Dec 2026 00:00:00 GMT'],
  ['If-Modified-Since', 'Wed, 02 Dec 2026 00:00:00 GMT'],
  ['X-Custom', '1'],
  ['x-custom', '2'],
];

test('repeated fields are combined as node:http combines them (first Host only, cookies with "; ", names lower-cased)', async () => {
  const real = await nodeHeaders(repeated);
  const simulated = edgeRequestFromWire({ from: 'e2', method: 'GET', target: '/a', headers: repeated, body: undefined }, []);
  assert.equal({ ...simulated.headers }, { ...real });
});

test('a GET or HEAD body never reaches the pipeline; a POST body does', () => {
  const body = Buffer.from('x');
  assert.is(edgeRequestFromWire({ from: 'e2', method: 'GET', target: '/a', headers: [], body }, []).body, undefined);
  assert.is(edgeRequestFromWire({ from: 'e2', method: 'HEAD', target: '/a', headers: [], body }, []).body, undefined);
  assert.ok(edgeRequestFromWire({ from: 'e2', method: 'POST', target: '/a', headers: [], body }, []).body !== undefined);
  assert.is(edgeRequestFromWire({ from: 'e2', method: 'POST', target: '/a', headers: [], body: undefined }, []).body, undefined);
});

test('the sending node is the client address, and 1xx answers are kept for the final answer', () => {
  const interim: Parameters<typeof edgeRequestFromWire>[1] = [];
  const req = edgeRequestFromWire({ from: 'e2', method: 'GET', target: '/a', headers: [], body: undefined }, interim);
  assert.is(req.clientAddress, 'e2');
  req.sendInformational!({ status: 103, headers: [['link', '</s.css>; rel=preload']] });
  assert.is(interim.length, 1);
});

test.run();
