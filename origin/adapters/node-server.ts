/**
 * Carries the origin's pure handler over real HTTP/1.1: reads the (bounded) request body, waits
 * out the simulated latency with a real timer, then writes the answer or drops the connection.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toFlatHeaders } from '../../common/http.js';
import type { Origin, OriginResponse } from '../types.js';
import { readRequestBody } from '../../common/adapters/read-request-body.js';

/** Admin bodies are tiny and object bodies are discarded; this only stops a runaway upload. */
export const MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024;

export interface OriginServer {
  url: string;
  port: number;
  /** Stops listening and drops every open connection, including ones waiting out a delay. */
  close(): Promise<void>;
}

export async function startOriginServer(origin: Origin, options: { host: string; port: number }): Promise<OriginServer> {
  const server = createServer((req, res) => {
    readRequestBody(req, MAX_REQUEST_BODY_BYTES, (body) => {
      if (body === 'too-large') return sendTooLarge(res);
      let answer: OriginResponse;
      try {
        answer = origin.handle({ method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers, body });
      } catch (err) {
        // A throw is a bug in the handler; say so rather than leave the client hanging.
        process.stderr.write(`cdn-origin: handler failed: ${(err as Error).stack ?? String(err)}\n`);
        res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' }).end('internal error\n');
        return;
      }
      deliverAfterDelay(req, res, answer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        // Destroying the sockets fires each response's 'close', which cancels its pending delay.
        server.closeAllConnections();
      }),
  };
}

function deliverAfterDelay(req: IncomingMessage, res: ServerResponse, answer: OriginResponse): void {
  // Early hints go out at once: their point is to arrive while the answer is still being made.
  for (const info of answer.interim ?? []) {
    if (info.status !== 103) continue;
    try {
      res.writeEarlyHints(Object.fromEntries(info.headers));
    } catch (err) {
      process.stderr.write(`cdn-origin: cannot send early hints: ${(err as Error).message}\n`);
    }
  }
  const deliver = (): void => {
    if (answer.action === 'refuse') {
      req.socket.destroy();
      return;
    }
    try {
      res.writeHead(answer.status, toFlatHeaders(answer.headers));
      res.end(answer.body);
    } catch (err) {
      // Runs from a timer, where a throw would take the whole server down; drop this one request.
      process.stderr.write(`cdn-origin: cannot send answer: ${(err as Error).message}\n`);
      res.destroy();
    }
  };
  if (answer.delayMs <= 0) return deliver();
  const timer = setTimeout(deliver, answer.delayMs);
  // A client that gives up (or close()) must not leave a timer holding the process open.
  res.once('close', () => clearTimeout(timer));
}


function sendTooLarge(res: ServerResponse): void {
  const body = `{"error":"request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes"}\n`;
  // `Connection: close` makes node end the connection after this answer instead of waiting for
  // the rest of an upload nobody will read.
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}
