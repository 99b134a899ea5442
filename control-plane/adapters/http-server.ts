/**
 * Carries the control plane over node:http: bounded JSON bodies in, JSON answers out, and
 * `GET /stream` as Server-Sent Events whose backpressure (res.write returning false, then
 * 'drain') pauses and resumes the stream's cursor.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeSse } from '../../common/control-protocol.js';
import { toFlatHeaders } from '../../common/http.js';
import type { Logger } from '../../common/ports.js';
import type { ApiResponse, ControlPlane } from '../control-plane.js';
import { readRequestBody } from '../../common/adapters/read-request-body.js';

export interface ControlPlaneServerOptions {
  maxBodyBytes: number;
  /** Suggested reconnect delay sent to SSE clients (`retry:`). */
  retryMs?: number;
}

export function createControlPlaneServer(cp: ControlPlane, logger: Logger, options: ControlPlaneServerOptions): Server {
  const server = createServer((req, res) => {
    const target = req.url ?? '/';
    if (target === '/stream' || target.startsWith('/stream?')) {
      openStream(cp, req, res, options.retryMs ?? 1_000);
      return;
    }
    readRequestBody(req, options.maxBodyBytes, (body) => {
      if (body === 'too-large') {
        send(res, { status: 413, body: { error: `body: larger than ${options.maxBodyBytes} bytes (limits.maxBodyBytes)`, field: 'body' } }, true);
        return;
      }
      cp.handle({ method: req.method ?? 'GET', target, headers: req.headers, body }).then(
        (answer) => send(res, answer, false),
        (err: unknown) => {
          logger.log('error', 'handler failed', { error: (err as Error).stack ?? String(err) });
          send(res, { status: 500, body: { error: 'internal error' } }, true);
        },
      );
    });
  });
  // Streams live for hours; node's defaults would cut them (requestTimeout covers the whole exchange).
  server.requestTimeout = 0;
  return server;
}

function openStream(cp: ControlPlane, req: IncomingMessage, res: ServerResponse, retryMs: number): void {
  let headersSent = false;
  const sendHeaders = (): void => {
    if (headersSent) return;
    headersSent = true;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${retryMs}\n\n`);
  };
  const opened = cp.openStream(
    { method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers },
    {
      write(event) {
        sendHeaders();
        return res.write(encodeSse(event));
      },
      end() {
        sendHeaders();
        res.end();
      },
    },
  );
  if (opened.kind === 'answer') {
    send(res, opened.response, false);
    req.resume();
    return;
  }
  const session = opened.session;
  req.socket.setNoDelay(true);
  res.on('drain', () => session.resume());
  res.on('close', () => session.closedByPeer());
  req.resume();
}

function send(res: ServerResponse, answer: ApiResponse, closeConnection: boolean): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = `${JSON.stringify(answer.body)}\n`;
  const headers = [...(answer.headers ?? []), ['content-type', 'application/json'], ['content-length', String(Buffer.byteLength(text))]] as Array<[string, string]>;
  if (closeConnection) headers.push(['connection', 'close']);
  res.writeHead(answer.status, toFlatHeaders(headers));
  res.end(text);
}


/** Listens and resolves with the bound port (port 0 picks a free one). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
