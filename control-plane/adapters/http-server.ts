/**
 * Carries the control plane over node:http: bounded JSON bodies in, JSON answers out, and
 * `GET /stream` as Server-Sent Events whose backpressure (res.write returning false, then
 * 'drain') pauses and resumes the stream's cursor.
 *
 * Every client byte is hostile. The request line and the token are checked before a body is
 * read (a refused request is answered at once and its connection closed, its body never
 * buffered); bodies are bounded per route (purges `maxBodyBytes`, reports `maxReportBodyBytes`);
 * a connection gets `headersTimeoutMs` to deliver a request's headers and a request
 * `bodyTimeoutMs` to deliver its body, measured with the Timers port so tests move them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { toFlatHeaders } from '../../common/http.js';
import type { Logger, TimerHandle, Timers } from '../../common/ports.js';
import { systemTimers } from '../../common/adapters/system-clock.js';
import type { ApiResponse, ControlPlane } from '../control-plane.js';
import { bodyTooLarge, jsonResponse, openEventStream, pathOf, routeControlRequest, type ResponseRecord } from '../http-exchange.js';
import { readRequestBody } from '../../common/adapters/read-request-body.js';
import { routeLabel, type ControlPlaneMetrics } from './metrics.js';

export interface ControlPlaneServerOptions {
  /** Largest POST /purges body. */
  maxBodyBytes: number;
  /** Largest ack or heartbeat body (default 4096). */
  maxReportBodyBytes?: number;
  /** Connection open (or previous answer sent) → complete request headers (default 10000). */
  headersTimeoutMs?: number;
  /** Request headers → complete body (default 10000). */
  bodyTimeoutMs?: number;
  /** Largest request head; node:http answers 431 beyond it (default 16384). */
  maxHeaderBytes?: number;
  /** Suggested reconnect delay sent to SSE clients (`retry:`). */
  retryMs?: number;
  timers?: Timers;
  /** Serves GET /metrics (admin token) and times every request. */
  metrics?: ControlPlaneMetrics;
}

export function createControlPlaneServer(cp: ControlPlane, logger: Logger, options: ControlPlaneServerOptions): Server {
  const timers = options.timers ?? systemTimers;
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000;
  const limits = { maxBodyBytes: options.maxBodyBytes, maxReportBodyBytes: options.maxReportBodyBytes ?? 4096 };
  const server = createServer({ maxHeaderSize: options.maxHeaderBytes ?? 16_384 }, (req, res) => {
    headerDeadlines.get(req.socket)?.cancel();
    headerDeadlines.delete(req.socket);
    const started = performance.now();
    const target = req.url ?? '/';
    const path = pathOf(target);
    const method = req.method ?? 'GET';
    res.on('finish', () => {
      options.metrics?.observeRequest(routeLabel(path), method, res.statusCode, (performance.now() - started) / 1000);
      // The next request on a kept-alive connection gets its own headers deadline.
      if (!req.socket.destroyed) armHeaderDeadline(req.socket);
    });
    const route = routeControlRequest(cp, method, target, req.headers, limits, options.metrics !== undefined);
    if (route.kind === 'refused') {
      writeRecord(res, route.response);
      return;
    }
    if (route.kind === 'stream') {
      openStream(cp, req, res, options.retryMs ?? 1_000);
      return;
    }
    if (route.kind === 'metrics') {
      if (method !== 'GET') return send(res, { status: 405, body: { error: 'method not allowed; use GET' }, headers: [['allow', 'GET']] }, false);
      const registry = options.metrics!.registry;
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'content-length': String(Buffer.byteLength(text)) });
          res.end(text);
        },
        (err: unknown) => send(res, { status: 500, body: { error: `metrics failed: ${(err as Error).message}` } }, true),
      );
      return;
    }
    let answered = false;
    const bodyDeadline = timers.after(bodyTimeoutMs, () => {
      answered = true;
      send(res, { status: 408, body: { error: `body: not received within ${bodyTimeoutMs} ms (limits.bodyTimeoutMs)`, field: 'body' } }, true);
      req.destroy();
    });
    readRequestBody(req, route.limitBytes, (body) => {
      bodyDeadline.cancel();
      if (answered) return;
      if (body === 'too-large') {
        send(res, bodyTooLarge(route), true);
        return;
      }
      cp.handle({ method, target, headers: req.headers, body }).then(
        (answer) => send(res, answer, false),
        (err: unknown) => {
          logger.log('error', 'handler failed', { error: (err as Error).stack ?? String(err) });
          send(res, { status: 500, body: { error: 'internal error' } }, true);
        },
      );
    });
    req.on('close', () => bodyDeadline.cancel());
  });

  const headerDeadlines = new Map<Socket, TimerHandle>();
  const armHeaderDeadline = (socket: Socket): void => {
    headerDeadlines.get(socket)?.cancel();
    headerDeadlines.set(
      socket,
      timers.after(headersTimeoutMs, () => {
        headerDeadlines.delete(socket);
        socket.destroy();
      }),
    );
  };
  server.on('connection', (socket: Socket) => {
    armHeaderDeadline(socket);
    socket.on('close', () => {
      headerDeadlines.get(socket)?.cancel();
      headerDeadlines.delete(socket);
    });
  });
  // Streams live for hours; node's whole-exchange timeout would cut them. Its headers timeout
  // (real time, checked every 30 s) stays as a coarse backstop behind ours, never ahead of it.
  server.requestTimeout = 0;
  server.headersTimeout = Math.max(headersTimeoutMs, 60_000);
  return server;
}

function openStream(cp: ControlPlane, req: IncomingMessage, res: ServerResponse, retryMs: number): void {
  const opened = openEventStream(cp, { method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers }, retryMs, {
    head: (status, headers) => res.writeHead(status, toFlatHeaders(headers)),
    write: (text) => res.write(text),
    end: () => res.end(),
  });
  if (opened.kind === 'answer') {
    writeRecord(res, opened.response);
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
  writeRecord(res, jsonResponse(answer, closeConnection));
}

function writeRecord(res: ServerResponse, record: ResponseRecord): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(record.status, toFlatHeaders(record.headers));
  res.end(record.body);
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
