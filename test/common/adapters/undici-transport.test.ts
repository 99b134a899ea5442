/**
 * The undici transport over a loopback origin: a response body given up before it was read (the
 * edge's discard of an answer it will not send) must release undici's body, so the origin
 * connection is not left paused with the rest of the response.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createUndiciTransport } from '../../../common/adapters/undici-transport.js';

test('return() on a body iterator that never started releases the origin connection', async () => {
  // 8 MiB: far more than the socket buffers and undici's high-water mark hold, so the origin's
  // response ends only if the client side reads it away or closes the connection.
  const payload = Buffer.alloc(8 * 1024 * 1024, 0x64);
  let released!: () => void;
  const originDone = new Promise<void>((resolve) => (released = resolve));
  const origin = createServer((_req, res: ServerResponse) => {
    res.on('close', () => released());
    res.writeHead(200, { 'content-length': String(payload.length) });
    res.end(payload);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const transport = createUndiciTransport();
  try {
    const port = (origin.address() as AddressInfo).port;
    const res = await transport.request({
      origin: `http://127.0.0.1:${port}`,
      target: '/big',
      method: 'GET',
      headers: [],
      timeouts: { connectMs: 10_000, headersMs: 0, bodyIdleMs: 0 },
    } as unknown as Parameters<typeof transport.request>[0]);
    assert.is(res.status, 200);
    const it = res.body[Symbol.asyncIterator]();
    await it.return?.();
    // Without the fix undici's body stays paused and the origin's response never closes (a hang).
    await originDone;
  } finally {
    origin.closeAllConnections();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
    await transport.close();
  }
});

test.run();
