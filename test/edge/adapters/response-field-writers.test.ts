/**
 * Both client-facing writers (the own HTTP/1.1 layer and node:http) refuse a response whose header
 * value holds anything but field-content, or whose name is not a token, with a 502: a stored field
 * the pipeline got wrong never splits the response a client reads. U+010D U+010A is the case a
 * latin1 head would have written as CR LF (SECURITY.md, the graceful-leave push row).
 */
import type { AddressInfo, Server } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Http1Server } from '../../../edge/adapters/http1/server.js';
import { createEdgeServer } from '../../../edge/adapters/node-server.js';
import type { Edge } from '../../../edge/pipeline/edge.js';
import type { EdgeRequest, EdgeResponse } from '../../../edge/pipeline/types.js';
import { openRaw, readUntil, splitResponses } from '../../support/raw-http.js';
import { silent } from '../../support/test-edge-options.js';

const OUTCOME = { kind: 'hit', bytes: 0, hit: true } as const;

const HOSTILE: Array<[string, string, string]> = [
  ['U+010D U+010A in a value', 'x', 'a\u010d\u010aSet-Cookie: s=evil'],
  ['CR LF in a value', 'x', 'a\r\nSet-Cookie: s=evil'],
  ['DEL in a value', 'x', 'a\x7fb'],
  ['a name that is not a token', 'x\r\nSet-Cookie', 's=evil'],
];

function handlerFor(name: string, value: string): (req: EdgeRequest) => EdgeResponse {
  return () => ({ status: 200, headers: ['content-type', 'text/plain', name, value], body: Buffer.from('body'), outcome: OUTCOME });
}

const WRITERS: Array<[string, (handler: (req: EdgeRequest) => EdgeResponse) => Server]> = [
  ['own HTTP/1.1', (handler) => new Http1Server(handler, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 1000, timers: { after: () => ({ cancel: () => undefined }) }, clock: { wallMs: () => 1_700_000_000_000, monoMs: () => 0 }, logger: silent })],
  ['node:http', (handler) => createEdgeServer({ handle: handler } as unknown as Edge, silent, { keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000 }) as unknown as Server],
];

for (const [writer, make] of WRITERS) {
  for (const [label, name, value] of HOSTILE) {
    test(`${writer}: ${label} is answered 502, never written`, async () => {
      const server = make(handlerFor(name, value));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const socket = await openRaw((server.address() as AddressInfo).port);
      try {
        socket.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        const reply = await readUntil(socket, () => false);
        const { responses } = splitResponses(reply.text);
        assert.is(responses.length, 1, reply.text);
        assert.is(responses[0]!.status, 502);
        assert.not.ok(/set-cookie/i.test(reply.text), 'no injected field');
      } finally {
        socket.destroy();
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  }
}

test.run();
