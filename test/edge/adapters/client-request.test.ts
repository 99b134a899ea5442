/** node:http's request mapped to the pipeline's record: the same header object the own layer makes. */
import { connect } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { edgeRequestOf } from '../../../edge/adapters/client-request.js';
import type { EdgeRequest } from '../../../edge/pipeline/types.js';

/** Sends each raw head on its own connection and answers the record node:http's request maps to. */
async function mapped(heads: string[]): Promise<EdgeRequest[]> {
  const records: EdgeRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    records.push(edgeRequestOf(req, res));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    for (const head of heads) {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(head));
        socket.on('data', () => undefined);
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return records;
}

test('two clients sending the same fields in different orders get header objects with one field order, Host first, nothing inherited', async () => {
  const [a, b] = await mapped([
    'GET /x HTTP/1.1\r\nUser-Agent: A\r\nX-Custom: 1\r\nAccept: */*\r\nHost: cdn.example\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: close\r\n\r\n',
    'GET /x HTTP/1.1\r\nConnection: close\r\nCookie: a=1\r\nHost: cdn.example\r\nCookie: b=2\r\nAccept: */*\r\nX-Custom: 1\r\nUser-Agent: B\r\n\r\n',
  ]);
  assert.equal(Object.keys(a!.headers), Object.keys(b!.headers));
  assert.is(Object.keys(a!.headers)[0], 'host');
  assert.is(Object.keys(a!.headers).at(-1), 'x-custom');
  assert.is(a!.headers['cookie'], 'a=1; b=2');
  assert.is(b!.headers['cookie'], 'a=1; b=2');
  assert.is(a!.headers['toString'], undefined);
  assert.is(Object.getPrototypeOf(Object.getPrototypeOf(a!.headers)), null);
});

test.run();
