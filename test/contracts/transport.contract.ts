/**
 * The Transport contract: what the edge's upstream code assumes of outbound HTTP, run against the
 * undici adapter with a real 127.0.0.1 server and against the simulator's network. A factory
 * gives a transport, a way to serve answers at an origin URL, a URL where nothing accepts
 * connections, and `settle`, which lets the implementation's time run until a promise settles
 * (the simulator's scheduler; nothing for real sockets).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeaderList } from '../../common/http.js';
import { TransportError, type OutboundRequest, type Transport } from '../../common/ports.js';

export interface SeenRequest {
  method: string;
  target: string;
  headers: HeaderList;
  body: Buffer;
}

export interface Answer {
  status: number;
  headers: HeaderList;
  body: Buffer;
}

export interface TransportUnderTest {
  transport: Transport;
  /** The origin (scheme://host[:port]) that answers with `handler`. */
  serve(handler: (req: SeenRequest) => Answer): Promise<string>;
  /** An origin that refuses connections. */
  refusing(): Promise<string>;
  settle<T>(p: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const timeouts = { connectMs: 5_000, headersMs: 30_000, bodyIdleMs: 30_000 };

async function exchange(t: Transport, req: Omit<OutboundRequest, 'timeouts'>): Promise<Answer> {
  const res = await t.request({ ...req, timeouts });
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(Buffer.from(chunk));
  return { status: res.status, headers: res.headers, body: Buffer.concat(chunks) };
}

const header = (h: HeaderList, name: string): string | undefined => h.find(([n]) => n.toLowerCase() === name)?.[1];

export function transportContract(name: string, make: () => TransportUnderTest): void {
  test(`${name}: a GET carries method, target and headers; the answer's status, headers and body come back`, async () => {
    const u = make();
    try {
      let seen: SeenRequest | undefined;
      const origin = await u.serve((req) => {
        seen = req;
        return { status: 200, headers: [['content-type', 'text/plain'], ['x-answer', 'yes']], body: Buffer.from('hello world') };
      });
      const res = await u.settle(exchange(u.transport, { origin, method: 'GET', target: '/a/b?c=1', headers: [['x-asked', 'please']] }));
      assert.is(res.status, 200);
      assert.is(header(res.headers, 'x-answer'), 'yes');
      assert.is(res.body.toString(), 'hello world');
      assert.is(seen?.method, 'GET');
      assert.is(seen?.target, '/a/b?c=1');
      assert.is(header(seen!.headers, 'x-asked'), 'please');
    } finally {
      await u.close();
    }
  });

  test(`${name}: a request body reaches the server whole`, async () => {
    const u = make();
    try {
      let got = '';
      const origin = await u.serve((req) => {
        got = req.body.toString();
        return { status: 202, headers: [], body: Buffer.alloc(0) };
      });
      const body = Buffer.from('x'.repeat(100_000));
      const res = await u.settle(exchange(u.transport, { origin, method: 'POST', target: '/p', headers: [['content-type', 'application/octet-stream'], ['content-length', String(body.length)]], body }));
      assert.is(res.status, 202);
      assert.is(got.length, 100_000);
    } finally {
      await u.close();
    }
  });

  test(`${name}: an error status is an answer, not a rejection`, async () => {
    const u = make();
    try {
      const origin = await u.serve(() => ({ status: 503, headers: [['retry-after', '1']], body: Buffer.from('busy') }));
      const res = await u.settle(exchange(u.transport, { origin, method: 'GET', target: '/', headers: [] }));
      assert.is(res.status, 503);
      assert.is(res.body.toString(), 'busy');
    } finally {
      await u.close();
    }
  });

  test(`${name}: a refused connection rejects with TransportError connect-refused`, async () => {
    const u = make();
    try {
      const origin = await u.refusing();
      const err = await u.settle(exchange(u.transport, { origin, method: 'GET', target: '/', headers: [] }).then(() => undefined, (e: unknown) => e));
      assert.instance(err, TransportError);
      assert.is((err as TransportError).code, 'connect-refused');
    } finally {
      await u.close();
    }
  });
}
